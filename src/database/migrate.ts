import { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../config/gateway-config.js';
import { dataSourceOptions, isPostgresUrl } from './data-source-options.js';

/** Arbitrary constant: the advisory lock that keeps replicas from migrating at the same time. */
const MIGRATION_LOCK = 7_304_114_001;

/**
 * Applies pending migrations with the migration role (`DATABASE_MIGRATION_URL`). On PostgreSQL an
 * advisory lock serialises replicas that start together; SQLite serialises writers itself.
 */
export async function runMigrations(config: DatabaseConfig): Promise<string[]> {
  const url = config.migrationUrl;
  const dataSource = new DataSource(dataSourceOptions(url, config.schema));
  await dataSource.initialize();
  try {
    if (isPostgresUrl(url)) {
      if (config.schema) await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${config.schema}"`);
      const runner = dataSource.createQueryRunner();
      await runner.connect();
      try {
        await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
        const applied = await dataSource.runMigrations({ transaction: 'each' });
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
