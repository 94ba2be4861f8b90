import { Injectable } from '@nestjs/common';
import { MoreThan } from 'typeorm';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import { NotFoundError } from '../common/errors/gateway-errors.js';
import { Database } from '../database/database.js';
import { AccountEntity } from './account.entity.js';

export interface AccountView {
  account_id: string;
  account_number: string;
  account_type: string;
  name: string;
  currency: string;
  status: string;
  routing_number: string;
  opened_date: string;
  updated_at: string;
  closed_at: string | null;
}

const view = (a: AccountEntity): AccountView => ({
  account_id: a.accountId,
  account_number: a.accountNumberMasked,
  account_type: a.accountType,
  name: a.name,
  currency: a.currency,
  status: a.status,
  routing_number: a.routingNumber,
  opened_date: a.openedDate,
  updated_at: a.qbankUpdatedAt.toISOString(),
  closed_at: a.closedAt?.toISOString() ?? null,
});

/** The accounts of the store (table `accounts`), as synced from QBank's nightly snapshot. */
@Injectable()
export class AccountRepository {
  constructor(private readonly db: Database) {}

  async list(limit: number, cursor: string | undefined): Promise<{ data: AccountView[]; next_cursor: string | null }> {
    const after = decodeCursor(cursor, ['uuid'])?.[0];
    const rows = await this.db.reader.find(AccountEntity, {
      where: after === undefined ? {} : { accountId: MoreThan(after) },
      order: { accountId: 'ASC' },
      take: limit + 1,
    });
    const page = rows.slice(0, limit);
    return { data: page.map(view), next_cursor: rows.length > limit ? encodeCursor([page.at(-1)!.accountId]) : null };
  }

  async get(accountId: string): Promise<AccountView> {
    const account = await this.db.reader.findOneBy(AccountEntity, { accountId });
    if (!account) throw new NotFoundError(`No account ${accountId}`);
    return view(account);
  }
}
