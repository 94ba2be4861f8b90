import { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../config/gateway-config.js';
import { dataSourceOptions, isPostgresUrl } from './data-source-options.js';
import { databaseOpenError } from './open-errors.js';

/** Arbitrary constant: the advisory lock that keeps replicas from migrating at the same time. */
const MIGRATION_LOCK = 7_304_114_001;

/**
 * Applies pending migrations with the migration role (`DATABASE_MIGRATION_URL`). On PostgreSQL an
 * advisory lock serialises replicas that start together; SQLite serialises writers itself.
 */
export async function runMigrations(config: DatabaseConfig): Promise<string[]> {
  const url = config.migrationUrl;
  const dataSource = new DataSource(dataSourceOptions(url, config.schema));
  // The first time the gateway opens its database: a file it cannot open or a refused login is a bad
  // setting, an unanswered connection an outage, each said in one line (src/main.ts).
  await dataSource.initialize().catch((error: unknown) => {
    throw databaseOpenError(url, error, url === config.url ? 'DATABASE_URL' : 'DATABASE_MIGRATION_URL');
  });
  try {
    if (isPostgresUrl(url)) {
      const runner = dataSource.createQueryRunner();
      await runner.connect();
      try {
        // Raw SQL here and in `grantApplicationRole`: TypeORM has no API for advisory locks, GRANT/REVOKE or
        // reading the catalogue's tables and views; these statements run only here, at migration time.
        await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
        // Under the lock too: two replicas running CREATE SCHEMA IF NOT EXISTS at once can both try to
        // create it, and one fails on the catalogue's unique index.
        if (config.schema) await runner.createSchema(config.schema, true);
        const applied = await dataSource.runMigrations({ transaction: 'each' });
        if (config.appRole) await grantApplicationRole(dataSource, config.appRole, config.schema ?? 'public');
        return applied.map((m) => m.name);
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
        await runner.release();
      }
    }
    return (await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}

/** Tables the gateway may only read and append to (contract §10). */
const APPEND_ONLY = new Set(['audit_events', 'audit_checkpoints']);

/**
 * What the gateway's own role may do, granted by the tables' owner after every migration (GRANT is
 * idempotent): read and write its working tables, read and append to the audit tables — never UPDATE,
 * DELETE or TRUNCATE them, and never change the schema.
 */
export async function grantApplicationRole(dataSource: DataSource, role: string, schema: string): Promise<void> {
  await dataSource.query(`GRANT USAGE ON SCHEMA "${schema}" TO "${role}"`);
  const tables = await dataSource.query<{ tablename: string }[]>(`SELECT tablename FROM pg_tables WHERE schemaname = $1`, [schema]);
  for (const { tablename } of tables) {
    const rights = APPEND_ONLY.has(tablename)
      ? 'SELECT, INSERT'
      : tablename === 'schema_migrations'
        ? 'SELECT'
        : 'SELECT, INSERT, UPDATE, DELETE';
    if (APPEND_ONLY.has(tablename)) await dataSource.query(`REVOKE UPDATE, DELETE, TRUNCATE ON "${schema}"."${tablename}" FROM "${role}"`);
    await dataSource.query(`GRANT ${rights} ON "${schema}"."${tablename}" TO "${role}"`);
  }
  const views = await dataSource.query<{ viewname: string }[]>(`SELECT viewname FROM pg_views WHERE schemaname = $1`, [schema]);
  for (const { viewname } of views) await dataSource.query(`GRANT SELECT ON "${schema}"."${viewname}" TO "${role}"`);
}
