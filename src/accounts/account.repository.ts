import { Injectable } from '@nestjs/common';
import { And, In, MoreThan, type FindOperator } from 'typeorm';
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

  /** A page of accounts; `readable`: only these (a caller's grant), undefined for all. */
  async list(limit: number, cursor: string | undefined, readable?: string[]): Promise<{ data: AccountView[]; next_cursor: string | null }> {
    const after = decodeCursor(cursor, ['uuid'])?.[0];
    const conditions: FindOperator<string>[] = [];
    if (readable) conditions.push(In(readable) as FindOperator<string>);
    if (after !== undefined) conditions.push(MoreThan(String(after)));
    const rows = await this.db.reader.find(AccountEntity, {
      where: conditions.length ? { accountId: And(...conditions) } : {},
      order: { accountId: 'ASC' },
      take: limit + 1,
    });
    const page = rows.slice(0, limit);
    return { data: page.map(view), next_cursor: rows.length > limit ? encodeCursor([page.at(-1)!.accountId]) : null };
  }

  /** Of these ids, those of accounts in the store. */
  async existing(accountIds: string[]): Promise<Set<string>> {
    if (accountIds.length === 0) return new Set();
    const rows = await this.db.reader.find(AccountEntity, { select: { accountId: true }, where: { accountId: In(accountIds) } });
    return new Set(rows.map((a) => a.accountId));
  }

  async get(accountId: string): Promise<AccountView> {
    const account = await this.db.reader.findOneBy(AccountEntity, { accountId });
    if (!account) throw new NotFoundError(`No account ${accountId}`);
    return view(account);
  }
}
