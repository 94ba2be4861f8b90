import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDevKeys, signDevToken } from '../../src/auth/dev-keys.js';
import { eventually } from './capture-server.js';
import { TEST_CLOCK_OFFSET_MS, testNow } from './clock.js';
import { postgresReady } from './postgres.js';

// Gateways here are separate processes running the compiled entry point (`npm test` builds first).
const MAIN = 'dist/src/main.js';

export const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

export interface Replica {
  url: string;
  child: ChildProcess;
  kill: (signal?: NodeJS.Signals) => Promise<void>;
}

/** A gateway process against `qbankBaseUrl`, listening on `port` (or a free one), ready when it returns. */
export async function startReplica(
  qbankBaseUrl: string,
  keyFile: string,
  env: Record<string, string>,
  port?: number,
  /** Collects what the process writes to stdout (its JSON log lines) instead of discarding it. */
  output?: string[],
): Promise<Replica> {
  await postgresReady(); // a PostgreSQL this test file started for `env` may still be starting
  const listen = port ?? (await freePort());
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      PORT: String(listen),
      HOST: '127.0.0.1',
      QBANK_BASE_URL: qbankBaseUrl,
      QBANK_CLIENT_ID: 'gateway',
      QBANK_CLIENT_SECRET: 'sandbox-secret',
      QBANK_WEBHOOK_SECRET: 'whsec_replicas_0123456789',
      AUTH_MODE: 'dev',
      AUTH_DEV_KEY_FILE: keyFile,
      LOG_LEVEL: 'warn',
      // Every replica of a file at the same business-day morning (tokens from `devCredentials` are issued at it).
      CLOCK_OFFSET_MS: String(TEST_CLOCK_OFFSET_MS),
      // Tests sync when they mean to (a fresh database would otherwise sync at start-up).
      SYNC_ON_STARTUP: 'false',
      ...env,
    },
    stdio: ['ignore', output ? 'pipe' : 'ignore', 'inherit'],
  });
  child.stdout?.on('data', (chunk: Buffer) => output!.push(chunk.toString('utf8')));
  const url = `http://127.0.0.1:${listen}`;
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}`);
      const live = await fetch(`${url}/health/live`).then(
        (r) => r.ok,
        () => false,
      );
      return live || undefined;
    },
    30_000,
    'the gateway process to answer /health/live',
  );
  return {
    url,
    child,
    kill: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}

/** A dev signing key of its own for a file's gateway processes, and dev tokens they accept. */
export function devCredentials(prefix: string): { keyFile: string; token: (sub: string, roles: string[]) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const keyFile = join(dir, 'dev-signing-key');
  const keys = ensureDevKeys(keyFile);
  return {
    keyFile,
    token: (sub, roles) =>
      signDevToken(keys, { sub, roles, ttlSeconds: 600, issuer: 'qbank-gateway-dev', audience: 'qbank-gateway', issuedAt: testNow() }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
