import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { startSandbox, type RunningSandbox } from '#qbank/sandbox';
import { ensureDevKeys, signDevToken } from '../src/auth/dev-keys.js';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { testDatabase } from './support/gateway.js';
import { startReplica } from './support/replicas.js';

describe('graceful shutdown', () => {
  let sandbox: RunningSandbox;
  const dir = mkdtempSync(join(tmpdir(), 'qbank-shutdown-'));
  const keyFile = join(dir, 'dev-signing-key');
  const token = signDevToken(ensureDevKeys(keyFile), {
    sub: 'erp-reader',
    roles: ['treasury-viewer'],
    ttlSeconds: 600,
    issuer: 'qbank-gateway-dev',
    audience: 'qbank-gateway',
  });

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, quiet: true, processingMs: 0, achSettleIntervalSeconds: 0, accounts: 1 });
  });
  afterAll(async () => {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('SIGTERM during a 50-connection load: readiness 503 first, no accepted request fails, every answered call audited', async () => {
    const database = testDatabase();
    const replica = await startReplica(sandbox.baseUrl, keyFile, {
      ...database.env,
      SHUTDOWN_DRAIN_MS: '1500',
      LIMITS_CALLER_RATE_PER_SECOND: '0',
    });
    const bank = (await (
      await fetch(`${sandbox.baseUrl}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from('gateway:sandbox-secret').toString('base64')}`,
        },
        body: 'grant_type=client_credentials',
      })
    ).json()) as { access_token: string };
    const accountId = (
      (await (await fetch(`${sandbox.baseUrl}/accounts`, { headers: { authorization: `Bearer ${bank.access_token}` } })).json()) as {
        data: { account_id: string }[];
      }
    ).data[0]!.account_id;
    try {
      const answered: string[] = [];
      const failures: string[] = [];
      let refused = 0;
      let sigtermAt = 0;
      const worker = async () => {
        for (;;) {
          try {
            const answer = await fetch(`${replica.url}/v1/balances/${accountId}`, { headers: { authorization: `Bearer ${token}` } });
            await answer.arrayBuffer();
            if (answer.status === 200) answered.push(answer.headers.get('x-request-id')!);
            else failures.push(`HTTP ${answer.status}`);
          } catch (error) {
            const code = ((error as Error).cause as { code?: string } | undefined)?.code;
            // A connection the gateway no longer accepts is not a failed request: the caller retries elsewhere.
            if (code === 'ECONNREFUSED') {
              refused += 1;
              return;
            }
            failures.push(`${(error as Error).message} ${code ?? ''} @${Date.now() - sigtermAt}`);
            return;
          }
        }
      };
      const workers = Array.from({ length: 50 }, () => worker());
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const exited = new Promise((resolve) => replica.child.once('exit', resolve));
      sigtermAt = Date.now();
      replica.child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 300));
      const ready = await fetch(`${replica.url}/health/ready`);
      expect(ready.status).toBe(503); // draining: the load balancer takes the replica out while it still serves
      await Promise.all(workers);
      await exited;

      expect(failures).toEqual([]);
      expect(refused).toBe(50); // every worker ended on a refused connection, after the server closed
      expect(answered.length).toBeGreaterThan(100);
      const db = new DataSource(dataSourceOptions(database.env.DATABASE_URL!, database.env.DATABASE_SCHEMA));
      await db.initialize();
      try {
        const rows = await db.query<{ request_id: string }[]>(
          `SELECT request_id FROM audit_events WHERE kind = 'call' AND route = '/v1/balances/:accountId'`,
        );
        const audited = new Set(rows.map((r) => r.request_id));
        expect(rows).toHaveLength(answered.length);
        expect(answered.every((id) => audited.has(id))).toBe(true);
      } finally {
        await db.destroy();
      }
    } finally {
      await replica.kill();
      await database.drop();
    }
  });
});
