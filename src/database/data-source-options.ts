import type { DataSourceOptions } from 'typeorm';
import { AccountEntity } from '../accounts/account.entity.js';
import { ApprovalDecision, ApprovalRequest } from '../approvals/approval.entity.js';
import { AuditCheckpoint, AuditEvent } from '../audit/audit-event.entity.js';
import { EventDelivery, EventDeliveryAttempt, EventSubscription, OutboxEvent } from '../events/event.entity.js';
import { IdempotencyRecord } from '../idempotency/idempotency-record.entity.js';
import { JobLease } from '../leases/job-lease.entity.js';
import { PaymentDailyTotal } from '../payments/payment-daily-total.entity.js';
import { PaymentBatch, PaymentEntity, PaymentStatusChange } from '../payments/payment.entity.js';
import { PositivePayExceptionEntity } from '../positivepay/positivepay-exception.entity.js';
import { PositivePayIssueEntity } from '../positivepay/positivepay-issue.entity.js';
import { SyncRun } from '../sync/sync-run.entity.js';
import { TransactionEntity } from '../transactions/transaction.entity.js';
import { WebhookEventEntity } from '../webhooks/webhook-event.entity.js';
import { InitialSchema1764000000000 } from './migrations/1764000000000-initial-schema.js';
import { MoneyMovement1764100000000 } from './migrations/1764100000000-money-movement.js';
import { SyncedResources1764200000000 } from './migrations/1764200000000-synced-resources.js';
import { AuditTrail1764300000000 } from './migrations/1764300000000-audit-trail.js';
import { PaymentDailyTotals1764400000000 } from './migrations/1764400000000-payment-daily-totals.js';
import { PaymentLimitCheck1764500000000 } from './migrations/1764500000000-payment-limit-check.js';
import { RecoverablePayments1764600000000 } from './migrations/1764600000000-recoverable-payments.js';
import { TreasuryControls1764700000000 } from './migrations/1764700000000-treasury-controls.js';
import { Events1764800000000 } from './migrations/1764800000000-events.js';
import { PaymentDates1764900000000 } from './migrations/1764900000000-payment-dates.js';
import { ScheduledPayments1765000000000 } from './migrations/1765000000000-scheduled-payments.js';
import { ensureSqliteDirectory } from './open-errors.js';

/** Every entity, listed (not globbed) so that the compiled build and the tests load the same classes. */
export const ENTITIES = [
  AuditEvent,
  AuditCheckpoint,
  IdempotencyRecord,
  PaymentEntity,
  PaymentStatusChange,
  PaymentBatch,
  WebhookEventEntity,
  PositivePayIssueEntity,
  AccountEntity,
  TransactionEntity,
  PositivePayExceptionEntity,
  SyncRun,
  JobLease,
  PaymentDailyTotal,
  ApprovalRequest,
  ApprovalDecision,
  OutboxEvent,
  EventSubscription,
  EventDelivery,
  EventDeliveryAttempt,
];
export const MIGRATIONS = [
  InitialSchema1764000000000,
  MoneyMovement1764100000000,
  SyncedResources1764200000000,
  AuditTrail1764300000000,
  PaymentDailyTotals1764400000000,
  PaymentLimitCheck1764500000000,
  RecoverablePayments1764600000000,
  TreasuryControls1764700000000,
  Events1764800000000,
  PaymentDates1764900000000,
  ScheduledPayments1765000000000,
];

const SQLITE_WAL_CHECKPOINT_PAGES = 16_384;
const SQLITE_WAL_SIZE_LIMIT_BYTES = 128 * 1024 * 1024;

export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//.test(url);

/**
 * TypeORM options for a `DATABASE_URL`: `sqlite:<path>` (better-sqlite3, WAL journal, synchronous=FULL so
 * that a committed payment survives a power cut) or `postgres://…` (an optional schema, used by tests).
 */
export function dataSourceOptions(url: string, schema?: string): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    logging: false,
  } as const;
  if (isPostgresUrl(url)) {
    return {
      ...common,
      type: 'postgres',
      url,
      ...(schema ? { schema, extra: { max: 20, options: `-c search_path=${schema}` } } : { extra: { max: 20 } }),
    };
  }
  const path = url.replace(/^sqlite:/, '');
  if (path !== ':memory:') ensureSqliteDirectory(path);
  return {
    ...common,
    type: 'better-sqlite3',
    database: path,
    prepareDatabase: (db: { pragma: (sql: string) => unknown }) => {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 10000');
      db.pragma('foreign_keys = ON');
      // Checkpoint every 16,384 WAL pages (64 MB) instead of SQLite's 1,000: a bulk write (a sync's 2,000-row
      // commit) rewrites a page of the random-key primary index per row, so at 1,000 pages nearly every commit
      // ran a checkpoint that wrote those pages again, in the request thread. Each page is now written back
      // once per 64 MB of changes. Durability is unchanged (a commit is the WAL's fsync); the WAL file is cut
      // back to 128 MB after a checkpoint.
      db.pragma(`wal_autocheckpoint = ${SQLITE_WAL_CHECKPOINT_PAGES}`);
      db.pragma(`journal_size_limit = ${SQLITE_WAL_SIZE_LIMIT_BYTES}`);
    },
  };
}

/**
 * SQLite: the connection that reads outside transactions (see `Database`), query-only, beside the one
 * writer. None on PostgreSQL (its pool serves both) or for an in-memory database (a second connection
 * would open another, empty one).
 */
export function readerDataSourceOptions(url: string): DataSourceOptions | undefined {
  const path = url.replace(/^sqlite:/, '');
  if (isPostgresUrl(url) || path === ':memory:') return undefined;
  return {
    entities: ENTITIES,
    synchronize: false,
    logging: false,
    type: 'better-sqlite3',
    database: path,
    prepareDatabase: (db: { pragma: (sql: string) => unknown }) => {
      db.pragma('busy_timeout = 10000');
      db.pragma('query_only = ON');
    },
  };
}
