import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDevKeys, signDevToken } from '../src/auth/dev-keys.js';
import { bankToken, startService, type Service } from './support.js';

export const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** A sandbox and its first account, in a process of its own. */
export async function startBenchSandbox(
  env: Record<string, string> = {},
): Promise<{ base: string; url: string; accountId: string; bank: string; service: Service }> {
  const port = await freePort();
  const service = await startService(
    'dist/libs/qbank-sandbox/src/main.js',
    { SANDBOX_PORT: String(port), SANDBOX_ACH_SETTLE_INTERVAL_SECONDS: '0', SANDBOX_PROCESSING_MS: '0', SANDBOX_QUIET: '1', ...env },
    `http://127.0.0.1:${port}/sandbox/stats`,
  );
  const base = `http://127.0.0.1:${port}/v1`;
  const bank = await bankToken(base);
  const accounts = (await (await fetch(`${base}/accounts?limit=1`, { headers: { authorization: `Bearer ${bank}` } })).json()) as {
    data: { account_id: string }[];
  };
  return { base, url: `http://127.0.0.1:${port}`, accountId: accounts.data[0]!.account_id, bank, service };
}

/**
 * A gateway process against that sandbox, and a dev token for `roles`. `root`: the project whose build is
 * started (another commit's, built by compare-ref.ts); by default this one.
 */
export async function startBenchGateway(
  sandboxBase: string,
  env: Record<string, string>,
  roles: string[],
  root?: string,
): Promise<{ url: string; token: string; service: Service; dir: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'qbank-bench-'));
  const port = await freePort();
  const keyFile = join(dir, 'dev-signing-key');
  const service = await startService(
    join(root ?? '.', 'dist/src/main.js'),
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      QBANK_BASE_URL: sandboxBase,
      QBANK_CLIENT_ID: 'gateway',
      QBANK_CLIENT_SECRET: 'sandbox-secret',
      QBANK_WEBHOOK_SECRET: 'whsec_bench_0123456789abcdef',
      AUTH_MODE: 'dev',
      AUTH_DEV_KEY_FILE: keyFile,
      DATABASE_URL: `sqlite:${join(dir, 'gateway.sqlite')}`,
      LOG_LEVEL: 'info',
      // Every request goes upstream: coalescing identical balance reads would flatter the gateway.
      BALANCES_COALESCE: 'false',
      // One bench caller sends thousands of requests a second: the per-caller rate limit is not what is measured.
      LIMITS_CALLER_RATE_PER_SECOND: '0',
      // The sync benchmark starts the syncs it measures: none at start-up on the fresh database.
      SYNC_ON_STARTUP: 'false',
      ...env,
    },
    `http://127.0.0.1:${port}/health/live`,
    root,
  );
  const token = signDevToken(ensureDevKeys(keyFile), {
    sub: 'bench',
    roles,
    ttlSeconds: 3600,
    issuer: 'qbank-gateway-dev',
    audience: 'qbank-gateway',
  });
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    service,
    dir,
    stop: async () => {
      await service.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
