import { Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import { QBankClient } from '#qbank/client';
import type { PositivePayException, Unstamped } from '#qbank/contract';
import { parseMinor } from '../common/money.js';
import { Outbox } from '../events/outbox.js';
import { SnapshotSync } from '../sync/snapshot-sync.js';
import type { RunProgress, Syncer } from '../sync/syncer.js';
import { PositivePayExceptionEntity } from './positivepay-exception.entity.js';
import { exceptionView } from './positivepay-exception.view.js';

const PAGE = 1000;

/** Positive Pay exceptions: QBank's full snapshot; one no longer listed is marked resolved; a new one is an event. */
@Injectable()
export class PositivePayExceptionsSyncer implements Syncer {
  readonly resource = 'positivepay-exceptions';

  constructor(
    private readonly qbank: QBankClient,
    private readonly snapshots: SnapshotSync,
    private readonly outbox: Outbox,
  ) {}

  run(progress: RunProgress): Promise<void> {
    return this.snapshots.run(
      {
        entity: PositivePayExceptionEntity,
        key: 'exceptionId',
        pages: this.qbank.iteratePositivePayExceptions({ limit: PAGE }),
        toRow: exceptionRow,
        changes: (stored, row) =>
          stored.status !== row.status || stored.resolvedAt !== null || stored.decisionDeadline.getTime() !== row.decisionDeadline.getTime()
            ? { status: row.status, decisionDeadline: row.decisionDeadline, resolvedAt: null, lastSyncedAt: row.lastSyncedAt }
            : undefined,
        listed: { resolvedAt: IsNull() },
        unlisted: (now) => ({ resolvedAt: now, lastSyncedAt: now }),
        inserted: (manager, rows) =>
          this.outbox.append(
            manager,
            rows.map((row) => ({
              type: 'positivepay.exception.created',
              subject: row.exceptionId,
              accountId: row.accountId,
              initiatedBy: null,
              data: exceptionView(row),
            })),
          ),
      },
      progress,
    );
  }
}

function exceptionRow(e: Unstamped<PositivePayException>, now: Date): PositivePayExceptionEntity {
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
