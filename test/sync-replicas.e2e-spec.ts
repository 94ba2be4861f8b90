import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { startSandbox, type RunningSandbox } from '#qbank/sandbox';
import { ensureDevKeys, signDevToken } from '../src/auth/dev-keys.js';
import { TEST_CLOCK_OFFSET_MS, testNow } from './support/clock.js';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { eventually } from './support/capture-server.js';
import { postgresDatabase, testDatabase } from './support/gateway.js';
import { startReplica, type Replica } from './support/replicas.js';

describe('syncs across processes', () => {
  let sandbox: RunningSandbox;
  const dir = mkdtempSync(join(tmpdir(), 'qbank-sync-replicas-'));
  const keyFile = join(dir, 'dev-signing-key');
  const admin = signDevToken(ensureDevKeys(keyFile), {
    sub: 'ops',
    roles: ['gateway-admin'],
    ttlSeconds: 600,
    issuer: 'qbank-gateway-dev',
    audience: 'qbank-gateway',
    issuedAt: testNow(),
  });
  const post = (replica: Replica, path: string) =>
    fetch(`${replica.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
  const runs = async (replica: Replica) =>
    (
      (await (await fetch(`${replica.url}/v1/sync/runs`, { headers: { authorization: `Bearer ${admin}` } })).json()) as {
        data: { resource: string; status: string; inserted: number }[];
      }
    ).data;

  beforeAll(async () => {
    sandbox = await startSandbox({
      clockOffsetMs: TEST_CLOCK_OFFSET_MS, // QBank at the replicas' time (see `startReplica`)
      port: 0,
      quiet: true,
      achSettleIntervalSeconds: 0,
      accounts: 10,
      transactionsPerAccount: 10_000,
      seed: 5,
    });
  });
  afterAll(async () => {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('three gateway processes on one PostgreSQL, a sync triggered on all at once → one run, the others refused', async () => {
    const database = postgresDatabase();
    const replicas = await Promise.all([0, 1, 2].map(() => startReplica(sandbox.baseUrl, keyFile, database.env)));
    try {
      const answers = await Promise.all(replicas.map((r) => post(r, '/v1/sync/transactions')));
      expect(answers.map((a) => a.status).sort()).toEqual([202, 409, 409]);
      const recorded = (await runs(replicas[0]!)).filter((r) => r.resource === 'transactions');
      expect(recorded).toHaveLength(1);
    } finally {
      await Promise.all(replicas.map((r) => r.kill()));
      await database.drop();
    }
  });

  it('a run killed halfway (SIGKILL) is completed by the next run, with no duplicate rows', async () => {
    const database = testDatabase();
    const env: Record<string, string> = { ...database.env, SYNC_LEASE_SECONDS: '5' };
    const db = new DataSource(dataSourceOptions(env.DATABASE_URL!, env.DATABASE_SCHEMA));
    let replica = await startReplica(sandbox.baseUrl, keyFile, env);
    const port = Number(new URL(replica.url).port);
    const stored = async () => Number(((await db.query('SELECT count(*) AS n FROM transactions')) as { n: string | number }[])[0]!.n);
    try {
      expect((await post(replica, '/v1/sync/accounts?wait=true')).status).toBe(202);
      await db.initialize();
      expect((await post(replica, '/v1/sync/transactions')).status).toBe(202);
      await eventually(async () => ((await stored()) >= 15_000 ? true : undefined), 30_000, 'the sync halfway (15,000 rows stored)');
      await replica.kill('SIGKILL');
      const partial = await stored();
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(100_000);

      replica = await startReplica(sandbox.baseUrl, keyFile, env, port);
      // Refused (409) while the dead holder's lease (5 s) runs; then the run takes over and completes.
      const answer = await eventually(
        async () => {
          const attempt = await post(replica, '/v1/sync/transactions?wait=true');
          if (attempt.status !== 409) return attempt;
          await attempt.arrayBuffer();
          return undefined;
        },
        30_000,
        "the dead holder's lease to run out",
      );
      expect(answer.status).toBe(202);
      expect(await answer.json()).toMatchObject({ status: 'succeeded' });
      expect(await stored()).toBe(100_000);
      const distinct = Number(
        ((await db.query('SELECT count(DISTINCT transaction_id) AS n FROM transactions')) as { n: string | number }[])[0]!.n,
      );
      expect(distinct).toBe(100_000);
      const statuses = (await runs(replica)).filter((r) => r.resource === 'transactions').map((r) => r.status);
      expect(statuses.sort()).toEqual(['abandoned', 'succeeded']);
    } finally {
      await replica.kill();
      if (db.isInitialized) await db.destroy();
      await database.drop();
    }
  }, 180_000); // a guard against a hang, not a speed target: 100,000 rows synced twice beside a full suite
});
