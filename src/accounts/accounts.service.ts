import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, type Repository } from 'typeorm';
import { decodeCursor, encodeCursor } from '../common/date-range.js';
import { NotFoundError } from '../common/errors/gateway-errors.js';
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

/** Accounts from the store. */
@Injectable()
export class AccountsService {
  constructor(@InjectRepository(AccountEntity) private readonly accounts: Repository<AccountEntity>) {}

  async list(limit: number, cursor: string | undefined): Promise<{ data: AccountView[]; next_cursor: string | null }> {
    const after = decodeCursor(cursor, 1)?.[0];
    const rows = await this.accounts.find({
      where: after === undefined ? {} : { accountId: MoreThan(String(after)) },
      order: { accountId: 'ASC' },
      take: limit + 1,
    });
    const page = rows.slice(0, limit);
    return { data: page.map(view), next_cursor: rows.length > limit ? encodeCursor([page.at(-1)!.accountId]) : null };
  }

  async get(accountId: string): Promise<AccountView> {
    const account = await this.accounts.findOneBy({ accountId });
    if (!account) throw new NotFoundError(`No account ${accountId}`);
    return view(account);
  }
}
