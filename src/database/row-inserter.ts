import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import { placeholders, preparedQuery, sqliteConnection, type SqliteStatement } from './prepared-statements.js';
import { TransactionRunner } from './transaction-runner.js';

/** Column types whose values both drivers take as they are (no date, JSON or boolean conversion). */
const PASS_THROUGH_TYPES = new Set(['varchar', 'text', 'char', 'integer', 'int', 'double precision', 'real', 'numeric']);

/**
 * Multi-row INSERTs for the write-heavy paths (audit events, synced transactions): the statement text is
 * the same for every full chunk, so the driver's prepared statement is reused, and values are converted
 * by the entity's own column metadata (dates, bigint transformers). TypeORM's query builder re-renders
 * and re-escapes every statement — several times slower for bulk rows.
 */
export class RowInserter<T extends ObjectLiteral> {
  private readonly columns: ColumnMetadata[];
  /** Per column: how to read its database value from an entity (a plain property read when nothing converts it). */
  private readonly readers: ((row: T) => unknown)[];
  private readonly table: string;
  private readonly postgres: boolean;
  private readonly sqlByRows = new Map<number, string>();
  private readonly primary: string[];
  /** SQLite: the single-row INSERT, prepared once (see `insert`). */
  private readonly sqlite: ReturnType<typeof sqliteConnection>;
  private sqliteRow?: SqliteStatement;

  constructor(
    private readonly dataSource: DataSource,
    entity: EntityTarget<T>,
    private readonly options: { chunk: number; ignoreConflictOn?: string; ignoreConflicts?: boolean; returning?: string },
  ) {
    const metadata = dataSource.getMetadata(entity);
    this.columns = metadata.columns;
    this.table = metadata.tableName;
    this.primary = metadata.primaryColumns.map((c) => c.propertyName);
    this.postgres = dataSource.options.type === 'postgres';
    this.sqlite = sqliteConnection(dataSource);
    const driver = dataSource.driver;
    this.readers = this.columns.map((c) => {
      const plain = !c.transformer && !c.embeddedMetadata && typeof c.type === 'string' && PASS_THROUGH_TYPES.has(c.type);
      const property = c.propertyName;
      if (plain) return (row: T) => (row as Record<string, unknown>)[property];
      const prepare = (row: T): unknown => driver.preparePersistentValue(c.getEntityValue(row), c);
      // PostgreSQL: an instant goes as its ISO-8601 UTC text, which a timestamptz column reads exactly.
      // Left as a Date, the pg driver formats it in local time with an offset, piece by piece (a dozen
      // strings and a time-zone lookup per value; three per synced transaction).
      return this.postgres
        ? (row: T) => {
            const value = prepare(row);
            return value instanceof Date ? value.toISOString() : value;
          }
        : prepare;
    });
  }

  /** Inserts the rows (within the caller's transaction); returns how many were inserted (conflicts ignored). */
  async insert(manager: EntityManager, rows: T[]): Promise<number> {
    let inserted = 0;
    if (this.sqlite) {
      // SQLite runs in-process: one prepared single-row statement per row costs no round trips, and a
      // multi-row INSERT would make SQLite keep a statement journal of every page it changes (measured:
      // a third slower for the transactions sync). The caller's transaction is open on this connection.
      const statement = (this.sqliteRow ??= this.sqlite.prepare(this.sql(1)));
      const values: unknown[] = new Array<unknown>(this.readers.length);
      for (const row of rows) {
        for (let i = 0; i < this.readers.length; i += 1) values[i] = this.readers[i]!(row);
        inserted += statement.run(values).changes; // an array binds as the statement's parameters
      }
      return inserted;
    }
    // Full chunks share one statement text, named and planned once per connection; a shorter last chunk
    // (a different text for each length) goes unnamed rather than use up the connection's named statements.
    for (const { chunk, sql, values } of this.statements(rows))
      inserted += (await TransactionRunner.write(manager, sql, values, chunk.length === this.options.chunk)) ?? chunk.length;
    return inserted;
  }

  /**
   * Stages the rows' inserts in the caller's transaction (`TransactionRunner.stage`): on PostgreSQL they go
   * out with the transaction's other staged writes, in one statement.
   */
  async stage(manager: EntityManager, rows: T[]): Promise<void> {
    for (const { chunk, sql, values } of this.statements(rows))
      await TransactionRunner.stage(manager, { sql, params: values, keys: chunk.map((row) => rowKey(this.table, this.primary, row)) });
  }

  /**
   * Inserts the rows outside any transaction and returns the `returning` column of those inserted (conflicts
   * ignored), in one prepared statement per chunk.
   */
  async insertReturning<R>(rows: T[]): Promise<R[]> {
    const returned: R[] = [];
    for (const { sql, values } of this.statements(rows)) returned.push(...(await preparedQuery<R>(this.dataSource, sql, values)));
    return returned;
  }

  /** One INSERT per chunk of rows: its text and its values, row by row in column order, as the database takes them. */
  private *statements(rows: T[]): Generator<{ chunk: T[]; sql: string; values: unknown[] }> {
    for (let i = 0; i < rows.length; i += this.options.chunk) {
      const chunk = rows.slice(i, i + this.options.chunk);
      const values: unknown[] = [];
      for (const row of chunk) for (const read of this.readers) values.push(read(row));
      yield { chunk, sql: this.sql(chunk.length), values };
    }
  }

  private sql(rows: number): string {
    let sql = this.sqlByRows.get(rows);
    if (!sql) {
      let n = 0;
      const tuple = () => `(${this.columns.map(() => (this.postgres ? `$${++n}` : '?')).join(', ')})`;
      const conflict = this.options.ignoreConflictOn
        ? ` ON CONFLICT ("${this.options.ignoreConflictOn}") DO NOTHING`
        : this.options.ignoreConflicts
          ? ' ON CONFLICT DO NOTHING'
          : '';
      const returning = this.options.returning ? ` RETURNING "${this.options.returning}"` : '';
      sql = `INSERT INTO "${this.table}" (${this.columns.map((c) => `"${c.databaseName}"`).join(', ')}) VALUES ${Array.from({ length: rows }, tuple).join(', ')}${conflict}${returning}`;
      this.sqlByRows.set(rows, sql);
    }
    return sql;
  }
}

/** How staged writes name a row (`TransactionRunner.stage`): its table and primary key. */
const rowKey = (table: string, primary: string[], row: ObjectLiteral): string =>
  `${table}:${JSON.stringify(primary.map((property) => (row as Record<string, unknown>)[property]))}`;

/**
 * Stages `UPDATE <entity> SET <set> WHERE <primary key>` (by property name) in the caller's transaction,
 * values converted by the entity's column metadata.
 */
export async function stageUpdate<T extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  where: Partial<T>,
  set: Partial<T>,
): Promise<void> {
  const metadata = manager.connection.getMetadata(entity);
  const primary = metadata.primaryColumns.map((c) => c.propertyName);
  if (Object.keys(where).length !== primary.length || !primary.every((property) => property in where))
    throw new Error(`a staged update of ${metadata.name} names one row by its primary key`);
  const p = placeholders(manager.connection);
  const params: unknown[] = [];
  const bind = (property: string, value: unknown): string => {
    const column = metadata.findColumnWithPropertyName(property);
    if (!column) throw new Error(`${metadata.name} has no property ${property}`);
    // The driver applies the column's transformer too (bigint money → its decimal string).
    const prepared: unknown = manager.connection.driver.preparePersistentValue(value, column);
    params.push(prepared);
    return `"${column.databaseName}" = ${p(params.length)}`;
  };
  const assignments = Object.entries(set).map(([property, value]) => bind(property, value));
  const conditions = Object.entries(where).map(([property, value]) => bind(property, value));
  await TransactionRunner.stage(manager, {
    sql: `UPDATE "${metadata.tableName}" SET ${assignments.join(', ')} WHERE ${conditions.join(' AND ')}`,
    params,
    keys: [rowKey(metadata.tableName, primary, where)],
  });
}
