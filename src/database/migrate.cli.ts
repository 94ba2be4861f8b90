import { loadConfig } from '../config/gateway-config.js';
import { runMigrations } from './migrate.js';

/** `npm run migrate`: apply pending migrations with DATABASE_MIGRATION_URL (default DATABASE_URL). */
const config = loadConfig();
const applied = await runMigrations(config.database);
process.stdout.write(`${JSON.stringify({ level: 'info', msg: 'migrations applied', applied })}\n`);
