import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';

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

  constructor(
    private readonly dataSource: DataSource,
    entity: EntityTarget<T>,
    private readonly options: { chunk: number; ignoreConflictOn?: string },
  ) {
    const metadata = dataSource.getMetadata(entity);
    this.columns = metadata.columns;
    this.table = metadata.tableName;
    this.postgres = dataSource.options.type === 'postgres';
    const driver = dataSource.driver;
    this.readers = this.columns.map((c) => {
      const plain = !c.transformer && !c.embeddedMetadata && typeof c.type === 'string' && PASS_THROUGH_TYPES.has(c.type);
      const property = c.propertyName;
      return plain
        ? (row: T) => (row as Record<string, unknown>)[property]
        : (row: T) => driver.preparePersistentValue(c.getEntityValue(row), c) as unknown;
    });
  }

  /** Inserts the rows (within the caller's transaction); returns how many were inserted (conflicts ignored). */
  async insert(manager: EntityManager, rows: T[]): Promise<number> {
    let inserted = 0;
    for (let i = 0; i < rows.length; i += this.options.chunk) {
      const chunk = rows.slice(i, i + this.options.chunk);
      const values: unknown[] = [];
      for (const row of chunk) for (const read of this.readers) values.push(read(row));
      const result = await manager.queryRunner!.query(this.sql(chunk.length), values, true);
      inserted += (result as { affected?: number }).affected ?? chunk.length;
    }
    return inserted;
  }

  private sql(rows: number): string {
    let sql = this.sqlByRows.get(rows);
    if (!sql) {
      let n = 0;
      const tuple = () => `(${this.columns.map(() => (this.postgres ? `$${++n}` : '?')).join(', ')})`;
      const conflict = this.options.ignoreConflictOn ? ` ON CONFLICT ("${this.options.ignoreConflictOn}") DO NOTHING` : '';
      sql = `INSERT INTO "${this.table}" (${this.columns.map((c) => `"${c.databaseName}"`).join(', ')}) VALUES ${Array.from({ length: rows }, tuple).join(', ')}${conflict}`;
      this.sqlByRows.set(rows, sql);
    }
    return sql;
  }
}
