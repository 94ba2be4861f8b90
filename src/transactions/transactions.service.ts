import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { dateRange, decodeCursor, encodeCursor } from '../common/date-range.js';
import { ValidationFailedError } from '../common/errors/gateway-errors.js';
import { formatMinor } from '../common/money.js';
import { TransactionEntity } from './transaction.entity.js';

export type DateField = 'transaction_date' | 'value_date' | 'posting_date';

export interface TransactionQuery {
  accountId?: string;
  dateField: DateField;
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

export interface TransactionView {
  transaction_id: string;
  account_id: string;
  type: string;
  direction: string;
  amount: string;
  currency: string;
  description: string;
  transaction_date: string;
  value_date: string;
  posting_date: string;
  qbank_payment_id: string | null;
  payment_id: string | null;
  check_number: string | null;
}

const view = (t: TransactionEntity): TransactionView => ({
  transaction_id: t.transactionId,
  account_id: t.accountId,
  type: t.type,
  direction: t.direction,
  amount: formatMinor(t.amountMinor),
  currency: t.currency,
  description: t.description,
  transaction_date: t.transactionDate.toISOString(),
  value_date: t.valueDate,
  posting_date: t.postingDate.toISOString(),
  qbank_payment_id: t.qbankPaymentId,
  payment_id: t.paymentId,
  check_number: t.checkNumber,
});

/**
 * Transactions from the store, filtered on any of the three dates (`from`/`to` inclusive; a plain date is
 * the whole UTC day; `value_date` compares as a date), newest first, keyset-paginated on (date, id).
 */
@Injectable()
export class TransactionsService {
  constructor(@InjectRepository(TransactionEntity) private readonly transactions: Repository<TransactionEntity>) {}

  async list(query: TransactionQuery): Promise<{ data: TransactionView[]; next_cursor: string | null }> {
    const column = `t.${query.dateField}`;
    const q = this.transactions.createQueryBuilder('t');
    if (query.accountId) q.andWhere('t.account_id = :account', { account: query.accountId });
    if (query.dateField === 'value_date') {
      const day = (value: string | undefined, name: string) => {
        if (value === undefined) return undefined;
        const date = value.slice(0, 10);
        if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)))
          throw new ValidationFailedError(`${name}: must be a date`);
        return date;
      };
      const from = day(query.from, 'from');
      const to = day(query.to, 'to');
      if (from) q.andWhere('t.value_date >= :from', { from });
      if (to) q.andWhere('t.value_date <= :to', { to });
    } else {
      const { from, toExclusive } = dateRange(query.from, query.to);
      if (from) q.andWhere(`${column} >= :from`, { from });
      if (toExclusive) q.andWhere(`${column} < :to`, { to: toExclusive });
    }
    const cursor = decodeCursor(query.cursor, 2);
    if (cursor) {
      const [at, id] = cursor as [string, string];
      const value = query.dateField === 'value_date' ? at : new Date(at);
      q.andWhere(`(${column} < :at OR (${column} = :at AND t.transaction_id < :id))`, { at: value, id });
    }
    const rows = await q
      .orderBy(column, 'DESC')
      .addOrderBy('t.transaction_id', 'DESC')
      .take(query.limit + 1)
      .getMany();
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const key = (t: TransactionEntity) =>
      query.dateField === 'value_date'
        ? t.valueDate
        : (query.dateField === 'posting_date' ? t.postingDate : t.transactionDate).toISOString();
    return { data: page.map(view), next_cursor: rows.length > query.limit && last ? encodeCursor([key(last), last.transactionId]) : null };
  }
}
