import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { dateRange, decodeCursor, encodeCursor } from '../common/date-range.js';
import { ValidationFailedError } from '../common/errors/gateway-errors.js';
import { formatMinor } from '../common/money.js';
import { placeholders, preparedRows, sqliteConnection, type SqliteStatement } from '../database/prepared-statements.js';

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

/** A stored date-time as ISO: SQLite keeps `YYYY-MM-DD HH:MM:SS.SSS` (UTC), PostgreSQL gives a Date. */
const isoDateTime = (value: unknown): string => (value instanceof Date ? value.toISOString() : `${String(value).replace(' ', 'T')}Z`);
/** A stored date: a string on SQLite; on PostgreSQL the driver makes a local-midnight Date of it. */
const plainDate = (value: unknown): string =>
  value instanceof Date
    ? `${value.getFullYear()}-${String(value.getMonth() + 1).padStart(2, '0')}-${String(value.getDate()).padStart(2, '0')}`
    : String(value);

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
] as const;

/** A row as the columns above, in their order. */
type Row = unknown[];

const view = (t: Row): TransactionView => ({
  transaction_id: String(t[0]),
  account_id: String(t[1]),
  type: String(t[2]),
  direction: String(t[3]),
  amount: formatMinor(BigInt(t[4] as string | number)),
  currency: String(t[5]),
  description: String(t[6]),
  transaction_date: isoDateTime(t[7]),
  value_date: plainDate(t[8]),
  posting_date: isoDateTime(t[9]),
  qbank_payment_id: (t[10] as string | null) ?? null,
  payment_id: (t[11] as string | null) ?? null,
  check_number: (t[12] as string | null) ?? null,
});

/** The statements this list runs are few (one per combination of filters): each is prepared once. */
const STATEMENT_CACHE = 64;

/**
 * Transactions from the store, filtered on any of the three dates (`from`/`to` inclusive; a plain date is
 * the whole UTC day; `value_date` compares as a date), newest first, keyset-paginated on (date, id).
 */
@Injectable()
export class TransactionsService {
  private readonly postgres: boolean;
  private readonly placeholder: (n: number) => string;
  private readonly statements = new Map<string, SqliteStatement>();

  constructor(private readonly dataSource: DataSource) {
    this.postgres = dataSource.options.type === 'postgres';
    this.placeholder = placeholders(dataSource);
  }

  /**
   * This is the hottest read of the gateway, so it skips the query builder and entity hydration: the
   * statement is written here (the filters are fixed columns, the values are bound parameters) and rows
   * come back as arrays, from a statement prepared once (per connection on PostgreSQL, on the driver's
   * connection on SQLite).
   */
  async list(query: TransactionQuery): Promise<{ data: TransactionView[]; next_cursor: string | null }> {
    const column = query.dateField;
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown): string => {
      params.push(value);
      return this.placeholder(params.length);
    };
    const instant = (at: Date): unknown => (this.postgres ? at : at.toISOString().replace('T', ' ').replace('Z', ''));
    if (query.accountId) where.push(`account_id = ${param(query.accountId)}`);
    if (column === 'value_date') {
      const day = (value: string | undefined, name: string) => {
        if (value === undefined) return undefined;
        const date = value.slice(0, 10);
        if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)))
          throw new ValidationFailedError(`${name}: must be a date`);
        return date;
      };
      const from = day(query.from, 'from');
      const to = day(query.to, 'to');
      if (from) where.push(`value_date >= ${param(from)}`);
      if (to) where.push(`value_date <= ${param(to)}`);
    } else {
      const { from, toExclusive } = dateRange(query.from, query.to);
      if (from) where.push(`${column} >= ${param(instant(from))}`);
      if (toExclusive) where.push(`${column} < ${param(instant(toExclusive))}`);
    }
    const cursor = decodeCursor(query.cursor, 2);
    if (cursor) {
      const [at, id] = cursor as [string, string];
      const value = column === 'value_date' ? at : new Date(at);
      if (value instanceof Date && Number.isNaN(value.getTime())) throw new ValidationFailedError('cursor: not a cursor of this list');
      const bound = param(value instanceof Date ? instant(value) : value);
      where.push(`(${column} < ${bound} OR (${column} = ${param(params.at(-1))} AND transaction_id < ${param(id)}))`);
    }
    const sql =
      `SELECT ${COLUMNS.join(', ')} FROM transactions${where.length ? ` WHERE ${where.join(' AND ')}` : ''}` +
      ` ORDER BY ${column} DESC, transaction_id DESC LIMIT ${param(query.limit + 1)}`;
    const rows = this.postgres ? await preparedRows(this.dataSource, sql, params) : (this.sqlite(sql).all(...params) as Row[]);
    const page = rows.slice(0, query.limit).map(view);
    const last = page.at(-1);
    return {
      data: page,
      next_cursor: rows.length > query.limit && last ? encodeCursor([last[column], last.transaction_id]) : null,
    };
  }

  private sqlite(sql: string): SqliteStatement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = sqliteConnection(this.dataSource)!.prepare(sql).raw(true);
      if (this.statements.size >= STATEMENT_CACHE) this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
