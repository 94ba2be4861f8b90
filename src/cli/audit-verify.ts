import { parseArgs } from 'node:util';
import { verifyAuditChains } from '../audit/audit-verifier.js';
import { dateRange } from '../common/date-range.js';
import { openAuditDatabase } from './audit-database.js';

/**
 * `npm run audit:verify -- [--from <date>] [--to <date>]`: recomputes the audit hash chains of the events
 * in the range (inclusive; a plain date is that whole UTC day) and prints one JSON line. Exit 0: every
 * chain verifies; 1: the first broken link, with its event id; 64: bad arguments.
 */
let range: ReturnType<typeof dateRange>;
try {
  const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' } }, strict: true });
  range = dateRange(values.from, values.to);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\nusage: npm run audit:verify -- [--from <date>] [--to <date>]\n`);
  process.exit(64);
}
const { dataSource } = await openAuditDatabase('app');
try {
  const report = await verifyAuditChains(dataSource, range);
  const line = report.broken
    ? { level: 'error', msg: `audit chain broken at event ${report.broken.eventId}: ${report.broken.reason}`, ...report }
    : { level: 'info', msg: 'audit chains verified', ...report };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  process.exitCode = report.ok ? 0 : 1;
} finally {
  await dataSource.destroy();
}
