import type { DataSource } from 'typeorm';

/** The n-th query parameter as the database spells it (`$n` on PostgreSQL, `?` on SQLite). */
export const placeholders = (dataSource: DataSource): ((n: number) => string) =>
  dataSource.options.type === 'postgres' ? (n) => `$${n}` : () => '?';

/** The part of better-sqlite3 used here: statements prepared on the one connection TypeORM shares. */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
  all(...params: unknown[]): unknown[];
  raw(on: boolean): SqliteStatement;
  /** Each row as the value of its first column. */
  pluck(on: boolean): SqliteStatement;
}

/**
 * The better-sqlite3 connection under a SQLite data source (undefined on PostgreSQL): statements run on it
 * directly, inside whatever transaction TypeORM has open on it, without TypeORM's per-call work.
 */
export function sqliteConnection(dataSource: DataSource): { prepare(sql: string): SqliteStatement } | undefined {
  return dataSource.options.type === 'better-sqlite3'
    ? (dataSource.driver as unknown as { databaseConnection: { prepare(sql: string): SqliteStatement } }).databaseConnection
    : undefined;
}

/** The part of node-postgres's client used here. */
export interface PgClient {
  query(config: {
    name?: string;
    text: string;
    values: unknown[];
    rowMode?: 'array';
  }): Promise<{ rows: unknown[]; rowCount?: number | null }>;
}

/**
 * The gateway's hot statements have few shapes (a wire's, an ACH batch's per size), so each gets a name and
 * is parsed and planned once per PostgreSQL connection; later executions send only their values. Past this
 * many distinct shapes, statements go unnamed.
 */
const MAX_NAMED_STATEMENTS = 500;
const statementNames = new Map<string, string>();

export function statementName(sql: string): string | undefined {
  let name = statementNames.get(sql);
  if (name === undefined && statementNames.size < MAX_NAMED_STATEMENTS) {
    name = `qbank_gateway_${statementNames.size + 1}`;
    statementNames.set(sql, name);
  }
  return name;
}

/** A statement outside any transaction: prepared once per connection on PostgreSQL, plain on SQLite. */
export async function preparedQuery<R>(dataSource: DataSource, sql: string, params: unknown[]): Promise<R[]> {
  if (dataSource.options.type !== 'postgres') return dataSource.query<R[]>(sql, params);
  return (await postgresStatement(dataSource, { name: statementName(sql), text: sql, values: params })) as R[];
}

/** A PostgreSQL statement outside any transaction, prepared once per connection, each row an array of its columns. */
export function preparedRows(dataSource: DataSource, sql: string, params: unknown[]): Promise<unknown[][]> {
  return postgresStatement(dataSource, { name: statementName(sql), text: sql, values: params, rowMode: 'array' }) as Promise<unknown[][]>;
}

async function postgresStatement(dataSource: DataSource, config: Parameters<PgClient['query']>[0]): Promise<unknown[]> {
  const runner = dataSource.createQueryRunner();
  try {
    const client = (await runner.connect()) as PgClient;
    return (await client.query(config)).rows;
  } finally {
    await runner.release();
  }
}
