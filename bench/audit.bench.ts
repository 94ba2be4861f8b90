import { startBenchGateway, startBenchSandbox } from './stack.js';
import { load, median, PG_URL, postgresSchema } from './support.js';
import { unmeasured, type BenchRow } from './table.js';

const ACTORS = 200;
const DAYS = 365;

/**
 * What the audit trail costs and how fast audit teams can read it:
 * (1) balance reads through one gateway with auditing on against a second with auditing off
 *     (AUDIT_ENABLED=false, refused in production), measured alternately in the same run;
 * (2) `GET /v1/audit/events?actor=&from=<day>&to=<day>` over `events` audit events on PostgreSQL
 *     (200 actors over a year), one request at a time, random actor and day: p50 and p95.
 */
export async function auditBenchmark(options: { seconds: number; repetitions: number; events: number }): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const sandbox = await startBenchSandbox();
  try {
    const on = await startBenchGateway(sandbox.base, {}, ['treasury-viewer']);
    const off = await startBenchGateway(sandbox.base, { AUDIT_ENABLED: 'false' }, ['treasury-viewer']);
    try {
      const path = `/v1/balances/${sandbox.accountId}`;
      const run = (gateway: typeof on) =>
        load(`${gateway.url}${path}`, { connections: 50, seconds: options.seconds, headers: { authorization: `Bearer ${gateway.token}` } });
      await load(`${on.url}${path}`, { connections: 50, seconds: 2, headers: { authorization: `Bearer ${on.token}` } });
      await load(`${off.url}${path}`, { connections: 50, seconds: 2, headers: { authorization: `Bearer ${off.token}` } });
      const withAudit: number[] = [];
      const without: number[] = [];
      for (let i = 0; i < options.repetitions; i += 1) {
        without.push((await run(off)).rps);
        withAudit.push((await run(on)).rps);
      }
      const ratio = median(withAudit) / median(without);
      rows.push({
        figure: 'balance reads/s with auditing on (baseline: the same gateway with auditing off)',
        gateway: median(withAudit),
        baseline: median(without),
        ratio,
        target: '≥ 0.85 (auditing costs < 15 %)',
        pass: ratio >= 0.85,
      });
    } finally {
      await Promise.all([on.stop(), off.stop()]);
    }
  } finally {
    await sandbox.service.stop();
  }
  rows.push(...(await auditQueryBenchmark(options.events)));
  return rows;
}

async function auditQueryBenchmark(events: number): Promise<BenchRow[]> {
  const figure = `GET /v1/audit/events by actor and day over ${events.toLocaleString('en-US')} events, PostgreSQL`;
  const pg = await postgresSchema();
  if (!pg) return [unmeasured(figure)];
  const { schema, admin } = pg;
  const sandbox = await startBenchSandbox();
  const gateway = await startBenchGateway(sandbox.base, { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema }, ['auditor']);
  try {
    const started = Date.now();
    const batch = 1_000_000;
    for (let first = 0; first < events; first += batch) {
      const last = Math.min(events, first + batch) - 1;
      // Spread evenly over 2025, each event by one of 200 actors.
      await admin.query(
        `INSERT INTO "${schema}".audit_events (id, kind, occurred_at, actor, roles, method, route, path, action, status, outcome, latency_ms, request_id)
         SELECT md5(i::text)::uuid, 'call', timestamptz '2025-01-01 00:00:00+00' + (i * (${DAYS} * 86400.0 / ${events})) * interval '1 second',
                'service-' || (i % ${ACTORS}), 'treasury-viewer', 'GET', '/v1/balances/:accountId', '/v1/balances/' || (i % 1000),
                'GET /v1/balances/:accountId', 200, 'success', 1.5, md5('r' || i)::uuid
         FROM generate_series(${first}, ${last}) AS i`,
      );
    }
    await admin.query(`ANALYZE "${schema}".audit_events`);
    const loadSeconds = (Date.now() - started) / 1000;
    const latencies: number[] = [];
    for (let i = 0; i < 600; i += 1) {
      const actor = `service-${(i * 37) % ACTORS}`;
      const day = new Date(Date.UTC(2025, 0, 1) + ((i * 53) % DAYS) * 86_400_000).toISOString().slice(0, 10);
      const t0 = performance.now();
      const answer = await fetch(`${gateway.url}/v1/audit/events?actor=${actor}&from=${day}&to=${day}&limit=100`, {
        headers: { authorization: `Bearer ${gateway.token}` },
      });
      const body = (await answer.json()) as { data: unknown[] };
      if (answer.status !== 200 || body.data.length === 0)
        throw new Error(`audit query answered ${answer.status} with ${body.data?.length} events`);
      if (i >= 100) latencies.push(performance.now() - t0); // the first 100 warm the caches
    }
    latencies.sort((a, b) => a - b);
    const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
    return [
      {
        figure: `${figure}: p95 ms (1 connection, 500 queries)`,
        gateway: p(0.95),
        baseline: null,
        ratio: null,
        target: '< 50',
        pass: p(0.95) < 50,
      },
      { figure: `${figure}: p50 ms`, gateway: p(0.5), baseline: null, ratio: null, target: '—', pass: null },
      {
        figure: `loading those events, s (INSERT … SELECT, indexes in place)`,
        gateway: loadSeconds,
        baseline: null,
        ratio: null,
        target: '—',
        pass: null,
      },
    ];
  } finally {
    await gateway.stop();
    await sandbox.service.stop();
    await pg.drop();
  }
}
