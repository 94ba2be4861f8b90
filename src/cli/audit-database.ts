import { DataSource } from 'typeorm';
import { loadConfig, type GatewayConfig } from '../config/gateway-config.js';
import { dataSourceOptions } from '../database/data-source-options.js';

/**
 * The database settings of the gateway (the same `DATABASE_*` variables and config files), for the audit
 * commands, which need nothing else. `url`: `migration` for the tables' owner (retention), `app` otherwise.
 */
export async function openAuditDatabase(role: 'app' | 'migration'): Promise<{ dataSource: DataSource; config: GatewayConfig }> {
  const config = loadConfig({
    ...process.env,
    QBANK_BASE_URL: process.env.QBANK_BASE_URL ?? '',
    AUTH_MODE: 'dev',
    NODE_ENV: 'development',
  });
  const url = role === 'migration' ? config.database.migrationUrl : config.database.url;
  const dataSource = new DataSource(dataSourceOptions(url, config.database.schema));
  await dataSource.initialize();
  return { dataSource, config };
}
