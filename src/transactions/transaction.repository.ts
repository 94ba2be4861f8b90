import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import { dateRange } from '../common/date-range.js';
import { ValidationFailedError } from '../common/errors/gateway-errors.js';
import { formatMinor } from '../common/money.js';
import { Database } from '../database/database.js';
import { TransactionEntity } from './transaction.entity.js';

export type DateField = 'transaction_date' | 'value_date' | 'posting_date';

export interface TransactionQuery {
  accountId?: string;
  /** Only these accounts (the caller's grant); undefined for all. */
  readable?: string[];
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

/** Rows per INSERT: TypeORM builds a long statement in time that grows faster than its length (100 measured best). */
const INSERT_CHUNK = 100;

const COLUMN: Record<DateField, string> = {
  transaction_date: 't.transaction_date',
  value_date: 't.value_date',
  posting_date: 't.posting_date',
};

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

/** The synced transactions (table `transactions`), inserted once by QBank's id. */
@Injectable()
export class TransactionRepository {
  constructor(private readonly db: Database) {}

  /**
   * Transactions filtered on any of the three dates (`from`/`to` inclusive; a plain date is the whole UTC
   * day; `value_date` compares as a date), newest first, keyset-paginated on (date, id).
   */
  async list(query: TransactionQuery): Promise<{ data: TransactionView[]; next_cursor: string | null }> {
    const column = COLUMN[query.dateField];
    const byDay = query.dateField === 'value_date';
    if (query.readable?.length === 0) return { data: [], next_cursor: null };
    const q = this.db.reader.createQueryBuilder(TransactionEntity, 't');
    if (query.accountId) q.andWhere('t.account_id = :accountId', { accountId: query.accountId });
    if (query.readable) q.andWhere('t.account_id IN (:...readable)', { readable: query.readable });
    if (byDay) {
      const from = plainDate(query.from, 'from');
      const to = plainDate(query.to, 'to');
      if (from) q.andWhere(`${column} >= :from`, { from });
      if (to) q.andWhere(`${column} <= :to`, { to });
    } else {
      const { from, toExclusive } = dateRange(query.from, query.to);
      if (from) q.andWhere(`${column} >= :from`, { from });
      if (toExclusive) q.andWhere(`${column} < :to`, { to: toExclusive });
    }
    const cursor = decodeCursor(query.cursor, [byDay ? 'date' : 'instant', 'uuid']);
    if (cursor) {
      const at = byDay ? cursor[0] : new Date(cursor[0]);
      q.andWhere(`(${column} < :at OR (${column} = :at AND t.transaction_id < :id))`, { at, id: cursor[1] });
    }
    const rows = await q
      .orderBy(column, 'DESC')
      .addOrderBy('t.transaction_id', 'DESC')
      .take(query.limit + 1)
      .getMany();
    const page = rows.slice(0, query.limit).map(view);
    const last = rows.length > query.limit ? page.at(-1) : undefined;
    return { data: page, next_cursor: last ? encodeCursor([last[query.dateField], last.transaction_id]) : null };
  }

  /** The postings QBank made for one of the gateway's payments (reconciliation). */
  async postingsOf(
    paymentId: string,
  ): Promise<
    { transaction_id: string; account_id: string; direction: string; amount: string; value_date: string; posting_date: string }[]
  > {
    const rows = await this.db.reader.find(TransactionEntity, { where: { paymentId }, order: { postingDate: 'ASC' } });
    return rows.map((t) => ({
      transaction_id: t.transactionId,
      account_id: t.accountId,
      direction: t.direction,
      amount: formatMinor(t.amountMinor),
      value_date: t.valueDate,
      posting_date: t.postingDate.toISOString(),
    }));
  }

  /** The latest posting stored for an account. */
  async latestPosting(accountId: string): Promise<Date | null> {
    const latest = await this.db.reader.findOne(TransactionEntity, {
      where: { accountId },
      order: { postingDate: 'DESC' },
      select: { postingDate: true, transactionId: true },
    });
    return latest?.postingDate ?? null;
  }

  /** Inserts the rows not stored yet (a re-read overlap changes nothing); answers how many were new. */
  async insertNew(manager: EntityManager, rows: TransactionEntity[]): Promise<number> {
    let inserted = 0;
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const values = rows.slice(i, i + INSERT_CHUNK);
      const [sql, parameters] = manager
        .createQueryBuilder()
        .insert()
        .into(TransactionEntity)
        .values(values)
        .orIgnore()
        .getQueryAndParameters();
      // TypeORM's InsertResult does not say how many rows ON CONFLICT DO NOTHING inserted; the driver's row count does.
      inserted += (await manager.queryRunner!.query(sql, parameters, true)).affected ?? 0;
    }
    return inserted;
  }
}

function plainDate(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const date = value.slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)))
    throw new ValidationFailedError(`${name}: must be a date`);
  return date;
}
