import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { removeExpiredAuditEvents, retentionCutoff } from '../audit/audit-retention.js';
import { dateRange } from '../common/date-range.js';
import { openAuditDatabase } from './audit-database.js';

/**
 * `npm run audit:retention -- [--before <YYYY-MM-DD>] [--actor <name>]`: removes the audit events of
 * whole UTC days before the date (default: `AUDIT_RETENTION_DAYS` before today), leaving checkpoints so
 * that the rest still verifies, and records an `audit.retention` event. Runs as the tables' owner
 * (`DATABASE_MIGRATION_URL`). Prints one JSON line.
 */
let before: Date | undefined;
let actor: string;
try {
  const { values } = parseArgs({ options: { before: { type: 'string' }, actor: { type: 'string' } }, strict: true });
  if (values.before !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.before)) throw new Error('--before: must be a date (YYYY-MM-DD)');
  before = values.before === undefined ? undefined : dateRange(values.before, undefined).from;
  actor = values.actor ?? `operator:${userInfo().username}`;
} catch (error) {
  process.stderr.write(`${(error as Error).message}\nusage: npm run audit:retention -- [--before <YYYY-MM-DD>] [--actor <name>]\n`);
  process.exit(64);
}
const { dataSource, config } = await openAuditDatabase('migration');
try {
  const cutoff = before ?? retentionCutoff(new Date(), config.audit.retentionDays);
  const report = await removeExpiredAuditEvents(dataSource, cutoff, actor);
  process.stdout.write(`${JSON.stringify({ level: 'info', msg: 'audit retention applied', ...report })}\n`);
} finally {
  await dataSource.destroy();
}
