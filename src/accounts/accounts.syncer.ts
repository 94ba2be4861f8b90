import { Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import { QBankClient } from '#qbank/client';
import type { Account, Unstamped } from '#qbank/contract';
import { SnapshotSync } from '../sync/snapshot-sync.js';
import type { RunProgress, Syncer } from '../sync/syncer.js';
import { AccountEntity } from './account.entity.js';

const PAGE = 1000;

/** Accounts: QBank's full snapshot; an account missing from it is marked CLOSED, never deleted. */
@Injectable()
export class AccountsSyncer implements Syncer {
  readonly resource = 'accounts';

  constructor(
    private readonly qbank: QBankClient,
    private readonly snapshots: SnapshotSync,
  ) {}

  run(progress: RunProgress): Promise<void> {
    return this.snapshots.run(
      {
        entity: AccountEntity,
        key: 'accountId',
        pages: this.qbank.iterateAccounts({ limit: PAGE }),
        toRow: accountRow,
        changes: (stored, row) => (changed(stored, row) ? { ...row, firstSyncedAt: stored.firstSyncedAt, closedAt: null } : undefined),
        listed: { closedAt: IsNull() },
        unlisted: (now) => ({ status: 'CLOSED', closedAt: now, lastSyncedAt: now }),
      },
      progress,
    );
  }
}

function accountRow(account: Unstamped<Account>, now: Date): AccountEntity {
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

const changed = (stored: AccountEntity, row: AccountEntity): boolean =>
  stored.accountNumberMasked !== row.accountNumberMasked ||
  stored.accountType !== row.accountType ||
  stored.name !== row.name ||
  stored.currency !== row.currency ||
  stored.status !== row.status ||
  stored.routingNumber !== row.routingNumber ||
  stored.openedDate !== row.openedDate ||
  stored.closedAt !== null;
