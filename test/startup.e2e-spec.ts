import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '#qbank/sandbox';
import { eventually } from './support/capture-server.js';
import { TEST_CLOCK_OFFSET_MS } from './support/clock.js';
import { testDatabase, type TestDatabase } from './support/gateway.js';
import { startProcess } from './support/processes.js';
import { devCredentials, freePort } from './support/replicas.js';

// The compiled entry point that `npm start` and the image run (`npm test` builds first).
const MAIN = 'dist/src/main.js';

/** Outside sandbox mode, against a QBank that is never called (the database fails first). */
const NO_BANK = {
  QBANK_BASE_URL: 'http://127.0.0.1:9/v1',
  QBANK_CLIENT_ID: 'gateway',
  QBANK_CLIENT_SECRET: 'sandbox-secret',
  AUTH_MODE: 'dev',
  LOG_LEVEL: 'info',
};

/**
 * Runs the gateway until it exits (it must, within the deadline). As root, it runs as `nobody`: root may
 * write anywhere, and the point is a user that may not (the image's `node`).
 */
function failedStart(env: Record<string, string>): { status: number | null; lines: string[] } {
  const user = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const result = spawnSync(process.execPath, [MAIN], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000, ...user });
  return { status: result.status, lines: `${result.stdout}${result.stderr}`.split('\n').filter(Boolean) };
}

/** The one line a start-up failure prints: a fatal JSON log line. */
function fatalMessage(lines: string[]): string {
  expect(lines).toHaveLength(1); // one line, no stack trace
  const line = JSON.parse(lines[0]!) as { level: string; msg: string };
  expect(line.level).toBe('fatal');
  return line.msg;
}

describe('a database the gateway cannot open at start-up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qbank-startup-'));
  chmodSync(dir, 0o755); // the unprivileged user must reach what is inside
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('SQLite: a directory that cannot be created, one not writable, a file not readable → exit 78 naming the path and why', () => {
    const readOnly = join(dir, 'read-only');
    mkdirSync(readOnly);
    chmodSync(readOnly, 0o555);
    const locked = join(dir, 'locked');
    mkdirSync(locked, { mode: 0o777 });
    chmodSync(locked, 0o777);
    writeFileSync(join(locked, 'gateway.sqlite'), '');
    chmodSync(join(locked, 'gateway.sqlite'), 0o000);

    const cases: [string, RegExp][] = [
      [join(readOnly, 'data', 'gateway.sqlite'), /cannot create the directory .*read-only\/data as uid \d+ \(EACCES\)/],
      [join(readOnly, 'gateway.sqlite'), /its directory .*read-only is not writable by uid \d+/],
      [join(locked, 'gateway.sqlite'), /the file is not readable and writable by uid \d+/],
    ];
    for (const [path, reason] of cases) {
      const { status, lines } = failedStart({ ...NO_BANK, DATABASE_URL: `sqlite:${path}` });
      expect(status).toBe(78);
      const message = fatalMessage(lines);
      expect(message).toContain(`DATABASE_URL: cannot open the SQLite database ${path}: `);
      expect(message).toMatch(reason);
    }
  });

  it('PostgreSQL not answering → exit 75 (a transient outage, not a bad setting), one line naming the server', async () => {
    const port = await freePort();
    const { status, lines } = failedStart({ ...NO_BANK, DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/gateway` });
    expect(status).toBe(75);
    expect(fatalMessage(lines)).toBe(`PostgreSQL at 127.0.0.1:${port} is unreachable (ECONNREFUSED)`);
  });
});

describe('start-up sync outside sandbox mode', () => {
  let sandbox: RunningSandbox;
  let database: TestDatabase;
  const credentials = devCredentials('qbank-startup-keys-');

  beforeAll(async () => {
    sandbox = await startSandbox({
      port: 0,
      quiet: true,
      processingMs: 0,
      achSettleIntervalSeconds: 0,
      clockOffsetMs: TEST_CLOCK_OFFSET_MS,
    });
    database = testDatabase();
  });
  afterAll(async () => {
    await sandbox.close();
    await database.drop();
    credentials.remove();
  });

  const start = async () => {
    const port = await freePort();
    const gateway = await startProcess(
      MAIN,
      {
        ...database.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        QBANK_BASE_URL: sandbox.baseUrl,
        QBANK_CLIENT_ID: 'gateway',
        QBANK_CLIENT_SECRET: 'sandbox-secret',
        QBANK_WEBHOOK_SECRET: 'whsec_startup_0123456789',
        AUTH_MODE: 'dev',
        AUTH_DEV_KEY_FILE: credentials.keyFile,
        LOG_LEVEL: 'info',
        // At the business-day morning that `credentials` issues its tokens at.
        CLOCK_OFFSET_MS: String(TEST_CLOCK_OFFSET_MS),
      },
      (line) => line.includes('QBank gateway listening'),
      30_000,
    );
    const decision = gateway.output
      .map((line) => (line.startsWith('{') ? (JSON.parse(line) as { msg: string; resources?: string[] }) : undefined))
      .find((l) => l?.msg.startsWith('start-up sync'));
    return { ...gateway, url: `http://127.0.0.1:${port}`, decision };
  };
  const runs = async (url: string) => {
    const answer = await fetch(`${url}/v1/sync/runs`, {
      headers: { authorization: `Bearer ${credentials.token('ops', ['gateway-admin'])}` },
    });
    expect(answer.status).toBe(200);
    return ((await answer.json()) as { data: { resource: string; trigger: string; status: string }[] }).data;
  };

  it('a fresh database: every resource is synced at start-up and /health turns 200 with nobody asking; the next start syncs nothing', async () => {
    const first = await start();
    try {
      expect(first.decision).toMatchObject({ resources: ['accounts', 'transactions', 'positivepay-exceptions'] });
      await eventually(
        async () => ((await fetch(`${first.url}/health`)).status === 200 ? true : undefined),
        60_000,
        'GET /health to answer 200',
      );
      const synced = await runs(first.url);
      expect(synced.map((r) => [r.resource, r.trigger, r.status]).sort()).toEqual([
        ['accounts', 'startup', 'succeeded'],
        ['positivepay-exceptions', 'startup', 'succeeded'],
        ['transactions', 'startup', 'succeeded'],
      ]);
    } finally {
      await first.stop();
    }

    // The decision is taken before the gateway listens: nothing was started after it.
    const second = await start();
    try {
      expect(second.decision).toMatchObject({ msg: 'start-up sync: none needed', resources: [] });
      expect(await runs(second.url)).toHaveLength(3);
      expect((await fetch(`${second.url}/health`)).status).toBe(200);
    } finally {
      await second.stop();
    }
  });
});
