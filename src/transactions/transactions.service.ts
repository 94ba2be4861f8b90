import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { dateRange, decodeCursor, encodeCursor } from '../common/date-range.js';
import type { AuditFields } from '../common/interceptors/audit-fields.interceptor.js';
import { ValidationFailedError } from '../common/errors/gateway-errors.js';
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

/**
 * A row as its JSON text, written by the database: the values as the API shows them (money a decimal
 * string, instants ISO-8601 UTC with milliseconds, `value_date` a plain date) and the call's audit fields
 * (the statement's first three parameters), keys in the order of `TransactionView`.
 */
function rowJson(postgres: boolean): string {
  const instant = (column: string) =>
    postgres ? `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')` : `replace(${column}, ' ', 'T') || 'Z'`;
  const cents = postgres ? `lpad((abs(amount_minor) % 100)::text, 2, '0')` : `substr('0' || (abs(amount_minor) % 100), -2)`;
  const amount = `(CASE WHEN amount_minor < 0 THEN '-' ELSE '' END) || (abs(amount_minor) / 100) || '.' || ${cents}`;
  const fields: [string, string][] = [
    ['transaction_id', 'transaction_id'],
    ['account_id', 'account_id'],
    ['type', 'type'],
    ['direction', 'direction'],
    ['amount', amount],
    ['currency', 'currency'],
    ['description', 'description'],
    ['transaction_date', instant('transaction_date')],
    ['value_date', postgres ? `to_char(value_date, 'YYYY-MM-DD')` : 'value_date'],
    ['posting_date', instant('posting_date')],
    ['qbank_payment_id', 'qbank_payment_id'],
    ['payment_id', 'payment_id'],
    ['check_number', 'check_number'],
    ['timestamp', postgres ? '$1::text' : '?'],
    ['actor', postgres ? '$2::text' : '?'],
    ['request_id', postgres ? '$3::text' : '?'],
  ];
  const pairs = fields.map(([key, value]) => `'${key}', ${value}`).join(', ');
  return postgres ? `json_build_object(${pairs})::text` : `json_object(${pairs})`;
}

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
  private readonly rowJson: string;
  private readonly statements = new Map<string, SqliteStatement>();

  constructor(private readonly dataSource: DataSource) {
    this.postgres = dataSource.options.type === 'postgres';
    this.placeholder = placeholders(dataSource);
    this.rowJson = rowJson(this.postgres);
  }

  /**
   * This is the hottest read of the gateway, so it skips the query builder and entity hydration: the
   * statement is written here (the filters are fixed columns, the values are bound parameters), prepared
   * once (per connection on PostgreSQL, on the driver's connection on SQLite), and each row comes back as
   * its JSON text. The answer is `{ data: TransactionView[], next_cursor }` as JSON text: joining a page's
   * row texts costs a fraction of building and serialising its objects.
   */
  async list(query: TransactionQuery, audit: AuditFields): Promise<string> {
    const column = query.dateField;
    const where: string[] = [];
    const params: unknown[] = [audit.timestamp, audit.actor, audit.request_id];
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
      `SELECT ${this.rowJson} FROM transactions${where.length ? ` WHERE ${where.join(' AND ')}` : ''}` +
      ` ORDER BY ${column} DESC, transaction_id DESC LIMIT ${param(query.limit + 1)}`;
    const rows = this.postgres
      ? (await preparedRows(this.dataSource, sql, params)).map((row) => row[0] as string)
      : (this.sqlite(sql).all(...params) as string[]);
    const more = rows.length > query.limit;
    if (more) rows.length = query.limit;
    // The cursor is the last row's date and id, as the row shows them.
    const last = more ? (JSON.parse(rows.at(-1)!) as TransactionView) : undefined;
    const next = last ? encodeCursor([last[column], last.transaction_id]) : null;
    return `{"data":[${rows.join(',')}],"next_cursor":${JSON.stringify(next)}}`;
  }

  private sqlite(sql: string): SqliteStatement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = sqliteConnection(this.dataSource)!.prepare(sql).pluck(true);
      if (this.statements.size >= STATEMENT_CACHE) this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
