import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { startSandbox, type RunningSandbox } from '#qbank/sandbox';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { postgresDatabase, testDatabase, type TestDatabase } from './support/gateway.js';
import { postgresReady } from './support/postgres.js';
import { devCredentials, startReplica, type Replica } from './support/replicas.js';
import { sandboxAccounts } from './support/sandbox-admin.js';
import { TEST_CLOCK_OFFSET_MS } from './support/clock.js';

const run = promisify(execFile);
const EXPORTED_EVENTS = 1_000_000;

describe('the audit trail across gateway processes: concurrent chains, streamed exports, no secrets', () => {
  let sandbox: RunningSandbox;
  let accountId: string;
  let bankToken: string;
  const { keyFile, token, remove } = devCredentials('qbank-audit-replicas-');
  const send = (replica: Replica, method: string, path: string, bearer?: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${replica.url}${path}`, {
      method,
      headers: {
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const verify = async (database: TestDatabase) => {
    const { stdout } = await run(process.execPath, ['dist/src/cli/audit-verify.js'], { env: { ...process.env, ...database.env } });
    return JSON.parse(stdout.trim()) as { ok: boolean; events: number; chains: number };
  };
  const openDatabase = async (database: TestDatabase) => {
    const dataSource = new DataSource(dataSourceOptions(database.env.DATABASE_URL!, database.env.DATABASE_SCHEMA));
    await dataSource.initialize();
    return dataSource;
  };

  beforeAll(async () => {
    sandbox = await startSandbox({
      clockOffsetMs: TEST_CLOCK_OFFSET_MS, // QBank at the replicas' time (see `startReplica`)
      port: 0,
      quiet: true,
      processingMs: 0,
      achSettleIntervalSeconds: 0,
      accounts: 2,
    });
    const bank = await sandboxAccounts(sandbox.baseUrl);
    bankToken = bank.bankToken;
    accountId = bank.accountIds[0]!;
  });
  afterAll(async () => {
    await sandbox.close();
    remove();
  });

  it('two gateway processes writing at once on one PostgreSQL → valid chains, no gaps, one event per call', async () => {
    const database = postgresDatabase();
    const replicas = await Promise.all([0, 1].map(() => startReplica(sandbox.baseUrl, keyFile, database.env)));
    const reader = token('erp-reader', ['treasury-viewer']);
    const operator = token('treasury-ops', ['treasury-operator']);
    try {
      const calls = Array.from({ length: 300 }, (_, i) => {
        const replica = replicas[i % 2]!;
        if (i % 3 === 0)
          return send(
            replica,
            'POST',
            '/v1/payments/wire',
            operator,
            {
              debtor_account_id: accountId,
              amount: '5.00',
              currency: 'USD',
              creditor: { name: 'Globex', routing_number: '021000021', account_number: '123456789' },
            },
            { 'idempotency-key': randomUUID() },
          );
        if (i % 3 === 1) return send(replica, 'GET', `/v1/balances/${accountId}`, reader);
        return send(replica, 'GET', `/v1/balances/${accountId}`); // refused: 401
      });
      const answers = await Promise.all(calls);
      expect(answers.filter((a) => a.status === 201)).toHaveLength(100);
      expect(answers.filter((a) => a.status === 200)).toHaveLength(100);
      expect(answers.filter((a) => a.status === 401)).toHaveLength(100);
      const requestIds = answers.map((a) => a.headers.get('x-request-id'));
      await Promise.all(replicas.map((r) => r.kill())); // graceful: batches flushed before exit

      const report = await verify(database);
      expect(report.ok).toBe(true);
      expect(report.chains).toBeGreaterThanOrEqual(2);
      const db = await openDatabase(database);
      try {
        const rows = (await db.query(`SELECT request_id, count(*) AS n FROM audit_events WHERE kind = 'call' GROUP BY request_id`)) as {
          request_id: string;
          n: string;
        }[];
        const perRequest = new Map(rows.map((r) => [r.request_id, Number(r.n)]));
        expect(requestIds).toHaveLength(300);
        expect(requestIds.every((id) => perRequest.get(id!) === 1)).toBe(true);
        const writers = (await db.query(`SELECT count(DISTINCT chain_id) AS n FROM audit_events`)) as { n: string }[];
        expect(Number(writers[0]!.n)).toBe(report.chains);
      } finally {
        await db.destroy();
      }
    } finally {
      await Promise.all(replicas.map((r) => r.kill()));
      await database.drop();
    }
  });

  it('on PostgreSQL the gateway runs as a role that does not own the tables: it serves, and cannot UPDATE, DELETE or TRUNCATE the audit trail', async () => {
    const database = postgresDatabase();
    const role = `qbank_app_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
    const rolePassword = randomUUID();
    await postgresReady();
    const owner = new DataSource({ type: 'postgres', url: database.env.DATABASE_URL! });
    await owner.initialize();
    // With a password of its own: a server with password authentication (not only a trusting local one) lets it in.
    await owner.query(`CREATE ROLE "${role}" LOGIN PASSWORD '${rolePassword}'`);
    const app = new URL(database.env.DATABASE_URL!);
    app.username = role;
    app.password = rolePassword;
    const appUrl = app.toString();
    const replica = await startReplica(sandbox.baseUrl, keyFile, {
      ...database.env,
      DATABASE_URL: appUrl,
      DATABASE_MIGRATION_URL: database.env.DATABASE_URL!,
      DATABASE_APP_ROLE: role,
    });
    const asApp = new DataSource(dataSourceOptions(appUrl, database.env.DATABASE_SCHEMA));
    try {
      const wire = await send(
        replica,
        'POST',
        '/v1/payments/wire',
        token('treasury-ops', ['treasury-operator']),
        {
          debtor_account_id: accountId,
          amount: '7.00',
          currency: 'USD',
          creditor: { name: 'Globex', routing_number: '021000021', account_number: '123456789' },
        },
        { 'idempotency-key': randomUUID() },
      );
      expect(wire.status).toBe(201);
      expect((await send(replica, 'GET', '/v1/audit/events?limit=1', token('audit-team', ['auditor']))).status).toBe(200);
      await asApp.initialize();
      const [event] = (await asApp.query(`SELECT id FROM audit_events LIMIT 1`)) as { id: string }[];
      for (const statement of [`UPDATE audit_events SET actor = 'mallory' WHERE id = $1`, `DELETE FROM audit_events WHERE id = $1`])
        await expect(asApp.query(statement, [event!.id])).rejects.toThrow(/permission denied/);
      await expect(asApp.query(`TRUNCATE audit_events`)).rejects.toThrow(/permission denied/);
      await expect(asApp.query(`DROP TABLE audit_events`)).rejects.toThrow(/must be owner/);
      // and its own working tables stay writable to it (the wire above updated its idempotency record and payment)
      expect(await asApp.query(`SELECT count(*)::int AS n FROM payments`)).toEqual([{ n: 1 }]);
    } finally {
      if (asApp.isInitialized) await asApp.destroy();
      await replica.kill();
      await database.drop();
      await owner.query(`DROP OWNED BY "${role}"`);
      await owner.query(`DROP ROLE "${role}"`);
      await owner.destroy();
    }
  });

  it(`exports ${EXPORTED_EVENTS.toLocaleString('en-US')} events as CSV and NDJSON with flat memory; CSV escaped and formula-safe; no secret anywhere`, async () => {
    const database = testDatabase();
    const output: string[] = [];
    // The young generation pinned: V8 sizes it by version (Node 24's far larger than 20's, all of it collectable),
    // and the RSS below is to measure what the export holds on to, not the collector's sizing.
    const replica = await startReplica(
      sandbox.baseUrl,
      keyFile,
      { ...database.env, LOG_LEVEL: 'info', NODE_OPTIONS: '--max-semi-space-size=8' },
      undefined,
      output,
    );
    const auditor = token('audit-team', ['auditor']);
    const operator = token('treasury-ops', ['treasury-operator']);
    // Callers whose ids a spreadsheet would run as formulas, or that break naive CSV.
    // (A sub with a newline or another control character is refused at the edge: test/caller-identity.e2e-spec.ts.)
    const hostile = ['=HYPERLINK("http://evil.example","x")', '+SUM(1,2)', '-2+3', '@cmd', 'comma,and "quotes"; a semicolon'];
    const fullAccountNumber = '987654321012';
    try {
      const start = new Date().toISOString();
      for (const sub of hostile)
        expect((await send(replica, 'GET', `/v1/balances/${accountId}`, token(sub, ['treasury-viewer']))).status).toBe(200);
      const wire = await send(
        replica,
        'POST',
        '/v1/payments/wire',
        operator,
        {
          debtor_account_id: accountId,
          amount: '12.34',
          currency: 'USD',
          creditor: { name: 'Initech', routing_number: '021000021', account_number: fullAccountNumber },
        },
        { 'idempotency-key': randomUUID() },
      );
      expect(wire.status).toBe(201);

      // A million older events, written as a busy year would have left them.
      const db = await openDatabase(database);
      try {
        const postgres = database.env.DATABASE_URL!.startsWith('postgres');
        await db.query(
          postgres
            ? `INSERT INTO audit_events (id, kind, occurred_at, actor, roles, method, route, path, action, status, outcome, latency_ms, request_id)
               SELECT md5(i::text)::uuid, 'call', timestamptz '2025-01-01 00:00:00+00' + i * interval '20 milliseconds', 'erp-' || (i % 50),
                      'treasury-viewer', 'GET', '/v1/balances/:accountId', '/v1/balances/' || md5(i::text)::uuid, 'GET /v1/balances/:accountId',
                      200, 'success', 1.25, md5('r' || i)::uuid
               FROM generate_series(1, ${EXPORTED_EVENTS}) AS i`
            : `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${EXPORTED_EVENTS})
               INSERT INTO audit_events (id, kind, occurred_at, actor, roles, method, route, path, action, status, outcome, latency_ms, request_id)
               SELECT printf('%08x-0000-4000-8000-%012x', i, i), 'call', strftime('%Y-%m-%d %H:%M:%f', 1735689600 + i * 0.02, 'unixepoch'),
                      'erp-' || (i % 50), 'treasury-viewer', 'GET', '/v1/balances/:accountId', '/v1/balances/' || i,
                      'GET /v1/balances/:accountId', 200, 'success', 1.25, printf('%08x-1111-4000-8000-%012x', i, i)
               FROM n`,
        );
        if (postgres) await db.query('ANALYZE audit_events'); // as autovacuum would after a bulk load
      } finally {
        await db.destroy();
      }

      const pid = replica.child.pid!;
      const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
      const exportAll = async (format: 'csv' | 'ndjson') => {
        const before = rss();
        const samples: number[] = [];
        const sampler = setInterval(() => samples.push(rss()), 50);
        const response = await fetch(`${replica.url}/v1/audit/events/export?format=${format}&from=2025-01-01&to=2025-12-31`, {
          headers: { authorization: `Bearer ${auditor}` },
        });
        expect(response.status).toBe(200);
        let bytes = 0;
        let lines = 0;
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          bytes += chunk.byteLength;
          for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines += 1;
        }
        clearInterval(sampler);
        const half = Math.floor(samples.length / 2);
        return {
          bytes,
          lines,
          growthMb: Math.max(...samples) - before,
          // what the second half of the export adds over the first: a buffering export would keep growing
          trendMb: Math.max(...samples.slice(half)) - Math.max(...samples.slice(0, half)),
        };
      };
      const csv = await exportAll('csv');
      expect(csv.lines).toBe(EXPORTED_EVENTS + 1); // the header, then one line per event (none of these values holds a line break)
      const ndjson = await exportAll('ndjson');
      expect(ndjson.lines).toBe(EXPORTED_EVENTS);
      // Hundreds of megabytes went out (600 MB as NDJSON); the gateway's memory stayed within its garbage collector's
      // headroom and did not grow as the export went on.
      expect(csv.bytes).toBeGreaterThan(200 * 1024 * 1024);
      expect(ndjson.bytes).toBeGreaterThan(500 * 1024 * 1024);
      for (const figures of [csv, ndjson]) {
        expect(figures.growthMb).toBeLessThan(256); // the garbage collector's headroom under a loaded machine, far below the volume
        expect(figures.trendMb).toBeLessThan(64);
      }

      // Today's events as CSV: the hostile callers come back intact, quoted, and unable to run as formulas.
      const today = await (
        await fetch(`${replica.url}/v1/audit/events/export?format=csv&from=${start}`, { headers: { authorization: `Bearer ${auditor}` } })
      ).text();
      const rows = parseCsv(today);
      const header = rows[0]!;
      const actor = header.indexOf('actor');
      const actors = rows.slice(1).map((r) => r[actor]);
      expect(actors.length).toBeGreaterThanOrEqual(hostile.length);
      expect(rows.slice(1).every((r) => r.length === header.length)).toBe(true);
      for (const sub of hostile) expect(actors).toContain(/^[=+\-@]/.test(sub) ? `'${sub}` : sub);
      expect(actors.every((a) => !/^[=+\-@]/.test(a!))).toBe(true);
      const todayNdjson = await (
        await fetch(`${replica.url}/v1/audit/events/export?format=ndjson&from=${start}`, {
          headers: { authorization: `Bearer ${auditor}` },
        })
      ).text();
      expect(
        todayNdjson
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as { actor: string }).actor),
      ).toEqual(expect.arrayContaining(hostile));

      // No token, secret or full account number in the logs, the audit rows or the exports.
      await replica.kill();
      const db2 = await openDatabase(database);
      let auditRows: string;
      try {
        auditRows = JSON.stringify(
          await db2.query(`SELECT * FROM audit_events WHERE kind <> 'call' OR path NOT LIKE '/v1/balances/%' OR actor NOT LIKE 'erp-%'`),
        );
      } finally {
        await db2.destroy();
      }
      const logs = output.join('');
      expect(logs).toContain('request completed');
      for (const [name, text] of Object.entries({ logs, auditRows, csv: today, ndjson: todayNdjson })) {
        for (const secret of [operator, auditor, bankToken, 'sandbox-secret', 'whsec_replicas_0123456789', fullAccountNumber]) {
          if (text.includes(secret)) throw new Error(`${name} contains a secret (${secret.slice(0, 12)}…)`);
        }
        expect(text).not.toMatch(/eyJ[\w-]{10,}\.eyJ[\w-]{10,}/); // no JWT of any kind
        expect(text).not.toMatch(/Bearer [\w-]{20,}/);
      }
    } finally {
      await replica.kill();
      await database.drop();
    }
  }, 240_000);
});

/** RFC 4180, as a spreadsheet reads it: quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 1;
    } else field += ch;
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}
