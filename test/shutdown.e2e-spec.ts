import { DataSource } from 'typeorm';
import { startSandbox, type RunningSandbox } from '#qbank/sandbox';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { eventually } from './support/capture-server.js';
import { sandboxAccounts } from './support/sandbox-admin.js';
import { testDatabase } from './support/gateway.js';
import { devCredentials, startReplica } from './support/replicas.js';
import { TEST_CLOCK_OFFSET_MS } from './support/clock.js';

describe('graceful shutdown', () => {
  let sandbox: RunningSandbox;
  const { keyFile, token: signed, remove } = devCredentials('qbank-shutdown-');
  const token = signed('erp-reader', ['treasury-viewer']);

  beforeAll(async () => {
    sandbox = await startSandbox({
      clockOffsetMs: TEST_CLOCK_OFFSET_MS, // QBank at the replicas' time (see `startReplica`)
      port: 0,
      quiet: true,
      processingMs: 0,
      achSettleIntervalSeconds: 0,
      accounts: 1,
    });
  });
  afterAll(async () => {
    await sandbox.close();
    remove();
  });

  it('SIGTERM during a 50-connection load: readiness 503 first, accepted requests (slow ones too) answered, every answered call audited', async () => {
    const database = testDatabase();
    const replica = await startReplica(sandbox.baseUrl, keyFile, {
      ...database.env,
      SHUTDOWN_DRAIN_MS: '1500',
      LIMITS_CALLER_RATE_PER_SECOND: '0',
    });
    const accountId = (await sandboxAccounts(sandbox.baseUrl)).accountIds[0]!;
    try {
      const answered: string[] = [];
      const failures: string[] = [];
      let sigtermAt = 0;
      // A load balancer: routes callers to the replica while its readiness says so.
      let routing = true;
      const balancer = setInterval(() => {
        void fetch(`${replica.url}/health/ready`).then(
          (r) => (routing &&= r.status === 200),
          () => (routing = false),
        );
      }, 50);
      const read = async () => {
        try {
          const answer = await fetch(`${replica.url}/v1/balances/${accountId}`, { headers: { authorization: `Bearer ${token}` } });
          await answer.arrayBuffer();
          if (answer.status === 200) answered.push(answer.headers.get('x-request-id')!);
          else failures.push(`HTTP ${answer.status} @${Date.now() - sigtermAt}`);
        } catch (error) {
          failures.push(
            `${(error as Error).message} ${((error as Error).cause as { code?: string } | undefined)?.code ?? ''} @${Date.now() - sigtermAt}`,
          );
        }
      };
      const workers = Array.from({ length: 50 }, async () => {
        while (routing) await read();
      });
      await eventually(() => (answered.length >= 200 ? true : undefined), 10_000, 'a steady load answered before SIGTERM');
      const exited = new Promise((resolve) => replica.child.once('exit', resolve));
      sigtermAt = Date.now();
      replica.child.kill('SIGTERM');
      await Promise.all(workers); // the balancer saw readiness turn 503 and stopped routing here
      expect(failures).toEqual([]); // while the replica was still serving: every call routed to it was answered
      // Slow requests accepted at the end of the drain are answered after the replica stops accepting. The moment
      // (1.2 s into the 1.5 s drain) is the window under test, so it is waited for.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1200 - (Date.now() - sigtermAt))));
      sandbox.settings.latencyMs = 2000;
      const late = Array.from({ length: 5 }, () => read());
      await Promise.all(late);
      sandbox.settings.latencyMs = 0;
      await exited;
      clearInterval(balancer);

      expect(failures).toEqual([]);
      expect(answered.length).toBeGreaterThan(100);
      const after = await fetch(`${replica.url}/health/live`).catch((error: Error) => (error.cause as { code?: string }).code);
      expect(after).toBe('ECONNREFUSED');
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
      sandbox.settings.latencyMs = 0;
      await replica.kill();
      await database.drop();
    }
  });
});
