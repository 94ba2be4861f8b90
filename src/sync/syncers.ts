import { Injectable, Logger } from '@nestjs/common';
import { DataSource, In, IsNull, type EntityManager } from 'typeorm';
import { QBankClient, readAhead } from '#qbank/client';
import type { Account, PositivePayException, Transaction, TransactionPage } from '#qbank/contract';
import { AccountEntity } from '../accounts/account.entity.js';
import { parseMinor } from '../common/money.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { RowInserter } from '../database/row-inserter.js';
import { TransactionRunner } from '../database/transaction-runner.js';
import { PaymentEntity } from '../payments/payment.entity.js';
import { PositivePayExceptionEntity } from '../positivepay/positivepay-exception.entity.js';
import { TransactionEntity } from '../transactions/transaction.entity.js';

/** What a run has done so far; the sync service records it and logs it as pages go by. */
export interface RunProgress {
  pages: number;
  inserted: number;
  updated: number;
  unchanged: number;
  watermark: string | null;
  /** Called after every committed write (logging, lease renewal): a page, or a few pages of transactions. */
  onPage: () => Promise<void>;
}

const PAGE = 1000;
/**
 * Transactions are read 250 to a page (~119 KB of the sandbox's JSON). A page's text above 128 KB is a V8
 * "large object": it is never freed by the young generation's collections, only by full ones, and pages of
 * 1,000 left ~90 MB of such garbage during a first sync (peak RSS 310 MB against ~200 MB with 250).
 */
const TRANSACTION_PAGE = 250;
/** Synced transactions written per database transaction (whole pages: a commit may hold a little more). */
const WRITE_BATCH = 2000;
const INSERT_CHUNK = 200;
/** Pages of transactions requested ahead of the one being written (each TRANSACTION_PAGE rows in memory). */
const READ_AHEAD = 3;

const ignore = (): void => undefined;

/** What `result` resolves to if it already has (no I/O waited for), else undefined. */
async function arrivedAlready<T>(result: Promise<T>): Promise<T | undefined> {
  const pending = Symbol('pending');
  const first = await Promise.race([result, new Promise<typeof pending>((resolve) => setImmediate(() => resolve(pending)))]);
  return first === pending ? undefined : first;
}

async function insertChunked<T extends object>(manager: EntityManager, entity: new () => T, rows: T[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK)
    await manager
      .createQueryBuilder()
      .insert()
      .into(entity)
      .values(rows.slice(i, i + INSERT_CHUNK))
      .execute();
}

/**
 * The work of each sync: stream QBank's pages (never the whole history in memory) and write each page in
 * one transaction, inserting what is new and updating what changed, so that a re-run changes nothing and a
 * run killed halfway is completed by the next.
 */
@Injectable()
export class Syncers {
  private readonly logger = new Logger(Syncers.name);
  private readonly transactionInserter: RowInserter<TransactionEntity>;

  constructor(
    private readonly qbank: QBankClient,
    private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
    private readonly config: GatewayConfig,
  ) {
    this.transactionInserter = new RowInserter(dataSource, TransactionEntity, {
      chunk: TRANSACTION_PAGE,
      ignoreConflictOn: 'transaction_id',
    });
  }

  /** Accounts: a full snapshot; an account missing from it is marked CLOSED, never deleted. */
  async accounts(progress: RunProgress): Promise<void> {
    const seen = new Set<string>();
    for await (const page of this.qbank.iterateAccounts({ limit: PAGE })) {
      const now = new Date();
      await this.transactions.transaction(async (manager) => {
        const existing = new Map(
          (await manager.findBy(AccountEntity, { accountId: In(page.data.map((a) => a.account_id)) })).map((a) => [a.accountId, a]),
        );
        const fresh: AccountEntity[] = [];
        for (const account of page.data) {
          seen.add(account.account_id);
          const row = accountRow(account, now);
          const stored = existing.get(account.account_id);
          if (!stored) fresh.push(row);
          else if (accountChanged(stored, row)) {
            await manager.update(
              AccountEntity,
              { accountId: row.accountId },
              { ...row, firstSyncedAt: stored.firstSyncedAt, closedAt: null },
            );
            progress.updated += 1;
          } else progress.unchanged += 1;
        }
        await insertChunked(manager, AccountEntity, fresh);
        progress.inserted += fresh.length;
      });
      progress.pages += 1;
      await progress.onPage();
    }
    const open = await this.dataSource.getRepository(AccountEntity).findBy({ closedAt: IsNull() });
    const gone = open.filter((a) => !seen.has(a.accountId));
    if (gone.length > 0) {
      await this.transactions.transaction((manager) =>
        manager.update(
          AccountEntity,
          { accountId: In(gone.map((a) => a.accountId)) },
          { status: 'CLOSED', closedAt: new Date(), lastSyncedAt: new Date() },
        ),
      );
      progress.updated += gone.length;
    }
  }

  /**
   * Transactions, per account, forward from the latest posting already stored less an overlap window (late
   * postings), upserted by QBank's id; a posting that results from a payment the gateway sent is linked to it.
   */
  async transactionsSince(progress: RunProgress): Promise<void> {
    const overlapMs = this.config.sync.overlapHours * 3_600_000;
    const repository = this.dataSource.getRepository(TransactionEntity);
    for await (const accountPage of this.qbank.iterateAccounts({ limit: PAGE })) {
      for (const account of accountPage.data) {
        const latest = await repository
          .createQueryBuilder('t')
          .select('MAX(t.posting_date)', 'latest')
          .where('t.account_id = :id', { id: account.account_id })
          .getRawOne<{ latest: string | Date | null }>();
        const since = latest?.latest
          ? new Date(new Date(latest.latest instanceof Date ? latest.latest : `${latest.latest.replace(' ', 'T')}Z`).getTime() - overlapMs)
          : undefined;
        // Pages are fetched ahead while earlier ones are written (QBank works meanwhile). Each page is
        // written as soon as it is read, and a transaction goes on with the next page while that page has
        // already arrived, up to WRITE_BATCH rows: fewer commits, no page kept in memory until its commit,
        // and no transaction (on SQLite: every other write of the gateway) ever waits on QBank.
        const pages = readAhead(
          this.qbank.iterateTransactions({ account_id: account.account_id, posted_since: since?.toISOString(), limit: TRANSACTION_PAGE }),
          READ_AHEAD,
        );
        try {
          let next = await pages.next();
          while (!next.done) {
            const first = next.value;
            const written = { pages: 0, inserted: 0, rows: 0, watermark: null as string | null };
            let later: Promise<IteratorResult<TransactionPage>> = Promise.resolve({ done: true, value: undefined });
            await this.transactions.transaction(async (manager) => {
              for (let page: TransactionPage | undefined = first; page;) {
                written.inserted += await this.writeTransactions(manager, page.data);
                written.rows += page.data.length;
                written.pages += 1;
                written.watermark = page.data.at(-1)?.posting_date ?? written.watermark;
                later = pages.next();
                // Awaited after the commit; if the commit fails instead, its failure must not go unhandled.
                later.catch(ignore);
                const arrived = written.rows < WRITE_BATCH ? await arrivedAlready(later) : undefined;
                page = arrived && !arrived.done ? arrived.value : undefined;
              }
            });
            // Counted once committed: a run that fails reports only what it stored.
            progress.pages += written.pages;
            progress.inserted += written.inserted;
            progress.unchanged += written.rows - written.inserted;
            if (written.watermark && (!progress.watermark || written.watermark > progress.watermark))
              progress.watermark = written.watermark;
            await progress.onPage();
            next = await later;
          }
        } finally {
          // Stops fetching ahead when a write fails or the run is interrupted.
          await pages.return(undefined);
        }
      }
    }
  }

  /** A page of transactions, in the caller's transaction; returns how many were new. */
  private async writeTransactions(
    manager: EntityManager,
    rows: Omit<Transaction, 'timestamp' | 'actor' | 'request_id'>[],
  ): Promise<number> {
    if (rows.length === 0) return 0;
    const now = new Date();
    const qbankPayments = [...new Set(rows.map((t) => t.payment_id).filter((id): id is string => typeof id === 'string'))];
    const ours = qbankPayments.length
      ? new Map(
          (
            await manager.find(PaymentEntity, {
              select: { paymentId: true, qbankPaymentId: true },
              where: { qbankPaymentId: In(qbankPayments) },
            })
          ).map((p) => [p.qbankPaymentId!, p.paymentId] as const),
        )
      : new Map<string, string>();
    // Upsert by QBank's id: rows already stored (the overlap window, a re-run) are left as they are.
    return this.transactionInserter.insert(
      manager,
      rows.map((t) => transactionRow(t, ours, now)),
    );
  }

  /** Positive Pay exceptions: a full snapshot; one no longer listed is marked resolved. */
  async positivePayExceptions(progress: RunProgress): Promise<void> {
    const seen = new Set<string>();
    for await (const page of this.qbank.iteratePositivePayExceptions({ limit: PAGE })) {
      const now = new Date();
      await this.transactions.transaction(async (manager) => {
        const existing = new Map(
          (await manager.findBy(PositivePayExceptionEntity, { exceptionId: In(page.data.map((e) => e.exception_id)) })).map((e) => [
            e.exceptionId,
            e,
          ]),
        );
        const fresh: PositivePayExceptionEntity[] = [];
        for (const exception of page.data) {
          seen.add(exception.exception_id);
          const row = exceptionRow(exception, now);
          const stored = existing.get(exception.exception_id);
          if (!stored) fresh.push(row);
          else if (
            stored.status !== row.status ||
            stored.resolvedAt !== null ||
            stored.decisionDeadline.getTime() !== row.decisionDeadline.getTime()
          ) {
            await manager.update(
              PositivePayExceptionEntity,
              { exceptionId: row.exceptionId },
              { status: row.status, decisionDeadline: row.decisionDeadline, resolvedAt: null, lastSyncedAt: now },
            );
            progress.updated += 1;
          } else progress.unchanged += 1;
        }
        await insertChunked(manager, PositivePayExceptionEntity, fresh);
        progress.inserted += fresh.length;
      });
      progress.pages += 1;
      await progress.onPage();
    }
    const open = await this.dataSource.getRepository(PositivePayExceptionEntity).findBy({ resolvedAt: IsNull() });
    const gone = open.filter((e) => !seen.has(e.exceptionId));
    if (gone.length > 0) {
      await this.transactions.transaction((manager) =>
        manager.update(
          PositivePayExceptionEntity,
          { exceptionId: In(gone.map((e) => e.exceptionId)) },
          { resolvedAt: new Date(), lastSyncedAt: new Date() },
        ),
      );
      progress.updated += gone.length;
    }
    this.logger.debug({ exceptions: seen.size }, 'positive pay snapshot');
  }
}

function accountRow(account: Omit<Account, 'timestamp' | 'actor' | 'request_id'>, now: Date): AccountEntity {
  return {
    accountId: account.account_id,
    accountNumberMasked: account.account_number,
    accountType: account.account_type,
    name: account.name,
    currency: account.currency,
    status: account.status,
    routingNumber: account.routing_number,
    openedDate: account.opened_date,
    qbankUpdatedAt: new Date(account.updated_at),
    closedAt: null,
    firstSyncedAt: now,
    lastSyncedAt: now,
  };
}

const accountChanged = (stored: AccountEntity, row: AccountEntity): boolean =>
  stored.accountNumberMasked !== row.accountNumberMasked ||
  stored.accountType !== row.accountType ||
  stored.name !== row.name ||
  stored.currency !== row.currency ||
  stored.status !== row.status ||
  stored.routingNumber !== row.routingNumber ||
  stored.openedDate !== row.openedDate ||
  stored.closedAt !== null;

/** A QBank transaction as a row of the store; `ours` maps QBank payment ids to the gateway's. */
export function transactionRow(
  t: Omit<Transaction, 'timestamp' | 'actor' | 'request_id'>,
  ours: Map<string, string>,
  now: Date,
): TransactionEntity {
  return {
    transactionId: t.transaction_id,
    accountId: t.account_id,
    type: t.type,
    direction: t.direction,
    amountMinor: parseMinor(t.amount),
    currency: t.currency,
    description: t.description.slice(0, 500),
    transactionDate: new Date(t.transaction_date),
    valueDate: t.value_date,
    postingDate: new Date(t.posting_date),
    qbankPaymentId: t.payment_id,
    paymentId: t.payment_id ? (ours.get(t.payment_id) ?? null) : null,
    checkNumber: t.check_number,
    syncedAt: now,
  };
}

function exceptionRow(e: Omit<PositivePayException, 'timestamp' | 'actor' | 'request_id'>, now: Date): PositivePayExceptionEntity {
  return {
    exceptionId: e.exception_id,
    accountId: e.account_id,
    checkNumber: e.check_number,
    presentedAmountMinor: parseMinor(e.presented_amount),
    issuedAmountMinor: e.issued_amount ? parseMinor(e.issued_amount) : null,
    payeeName: e.payee_name,
    presentedDate: e.presented_date,
    reason: e.reason,
    status: e.status,
    decisionDeadline: new Date(e.decision_deadline),
    resolvedAt: null,
    lastSyncedAt: now,
  };
}
