import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './support/replicas.js';

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
