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

type Raw = Record<string, string | number | Date | null>;

/** A stored date-time as ISO: SQLite keeps `YYYY-MM-DD HH:MM:SS.SSS` (UTC), PostgreSQL gives a Date. */
const isoDateTime = (value: unknown): string => (value instanceof Date ? value.toISOString() : `${String(value).replace(' ', 'T')}Z`);
/** A stored date: a string on SQLite; on PostgreSQL the driver makes a local-midnight Date of it. */
const plainDate = (value: unknown): string =>
  value instanceof Date
    ? `${value.getFullYear()}-${String(value.getMonth() + 1).padStart(2, '0')}-${String(value.getDate()).padStart(2, '0')}`
    : String(value);

/** Rows are read raw and mapped here: entity hydration costs more than the query on this hot read. */
const view = (t: Raw): TransactionView => ({
  transaction_id: String(t.transaction_id),
  account_id: String(t.account_id),
  type: String(t.type),
  direction: String(t.direction),
  amount: formatMinor(BigInt(t.amount_minor as string | number)),
  currency: String(t.currency),
  description: String(t.description),
  transaction_date: isoDateTime(t.transaction_date),
  value_date: plainDate(t.value_date),
  posting_date: isoDateTime(t.posting_date),
  qbank_payment_id: (t.qbank_payment_id as string | null) ?? null,
  payment_id: (t.payment_id as string | null) ?? null,
  check_number: (t.check_number as string | null) ?? null,
});

const COLUMNS = [
  'transaction_id',
  'account_id',
  'type',
  'direction',
  'amount_minor',
  'currency',
  'description',
  'transaction_date',
  'value_date',
  'posting_date',
  'qbank_payment_id',
  'payment_id',
  'check_number',
];

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
    // Each column under its own name: no renaming of 13 keys × 101 rows afterwards.
    COLUMNS.forEach((c, i) => (i === 0 ? q.select(`t.${c}`, c) : q.addSelect(`t.${c}`, c)));
    const rows = await q
      .orderBy(column, 'DESC')
      .addOrderBy('t.transaction_id', 'DESC')
      .limit(query.limit + 1)
      .getRawMany<Raw>();
    const page = rows.slice(0, query.limit).map(view);
    const last = page.at(-1);
    return {
      data: page,
      next_cursor: rows.length > query.limit && last ? encodeCursor([last[query.dateField], last.transaction_id]) : null,
    };
  }
}
