import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '#qbank/sandbox';
import { ensureDevKeys, signDevToken } from '../src/auth/dev-keys.js';
import { TEST_CLOCK_OFFSET_MS, testNow } from './support/clock.js';
import { postgresDatabase, testDatabase, type TestDatabase } from './support/gateway.js';
import { eventually } from './support/capture-server.js';
import { sandboxAccounts } from './support/sandbox-admin.js';
import { startReplica, type Replica } from './support/replicas.js';

describe('money movement across processes', () => {
  let sandbox: RunningSandbox;
  const dir = mkdtempSync(join(tmpdir(), 'qbank-replicas-'));
  const keyFile = join(dir, 'dev-signing-key');
  const token = signDevToken(ensureDevKeys(keyFile), {
    sub: 'treasury-ops',
    roles: ['treasury-operator'],
    ttlSeconds: 600,
    issuer: 'qbank-gateway-dev',
    audience: 'qbank-gateway',
    issuedAt: testNow(),
  });
  let accountId: string;

  const startReplicaOf = (database: Record<string, string>, port?: number) =>
    startReplica(sandbox.baseUrl, keyFile, { IDEMPOTENCY_LEASE_SECONDS: '2', ...database }, port);

  const wire = (replica: Replica, key: string) =>
    fetch(`${replica.url}/v1/payments/wire`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({
        debtor_account_id: accountId,
        amount: '980.00',
        currency: 'USD',
        creditor: { name: 'Initech', routing_number: '021000021', account_number: '123456789' },
      }),
    }).then(async (r) => ({
      status: r.status,
      replayed: r.headers.get('idempotent-replayed'),
      body: (await r.json()) as Record<string, any>,
    }));

  const sandboxPaymentList = async () =>
    ((await (await fetch(`${sandbox.url}/sandbox/payments`)).json()) as { data: { idempotency_key: string }[] }).data;
  const sandboxPayments = async () => (await sandboxPaymentList()).length;

  beforeAll(async () => {
    sandbox = await startSandbox({
      clockOffsetMs: TEST_CLOCK_OFFSET_MS, // QBank at the replicas' time (see `startReplica`)
      port: 0,
      quiet: true,
      processingMs: 0,
      achSettleIntervalSeconds: 0,
    });
    accountId = (await sandboxAccounts(sandbox.baseUrl)).accountIds[0]!;
  });
  afterAll(async () => {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('two gateway processes on one PostgreSQL, one key sent to both at once → one payment', async () => {
    // Replicas share PostgreSQL (the suite's, or the local one when the suite runs on SQLite).
    const database = postgresDatabase();
    sandbox.settings.processingMs = 300;
    const [a, b] = await Promise.all([startReplicaOf(database.env), startReplicaOf(database.env)]);
    try {
      const before = await sandboxPayments();
      for (let round = 0; round < 3; round += 1) {
        const key = randomUUID();
        const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => wire(i % 2 ? a : b, key)));
        expect(answers.every((x) => x.status === 201 || x.status === 409)).toBe(true);
        const ids = new Set(answers.filter((x) => x.status === 201).map((x) => x.body.payment_id as string));
        for (const conflict of answers.filter((x) => x.status === 409)) ids.add(conflict.body.transaction_id as string);
        expect(ids.size).toBe(1);
      }
      expect((await sandboxPayments()) - before).toBe(3);
    } finally {
      sandbox.settings.processingMs = 0;
      await Promise.all([a.kill(), b.kill()]);
      await database.drop();
    }
  });

  it('a gateway killed (SIGKILL) while a wire is in flight, restarted, and the caller retrying → one payment, and the final result', async () => {
    const database: TestDatabase = testDatabase();
    sandbox.settings.processingMs = 15_000; // longer than a restart under a full suite's load, so the first retry finds it in flight
    let replica = await startReplicaOf(database.env);
    const port = Number(new URL(replica.url).port);
    try {
      const before = await sandboxPayments();
      const key = randomUUID();
      const first = wire(replica, key).catch(() => undefined); // the connection dies with the process
      await eventually(async () => ((await sandboxPayments()) > before ? true : undefined), 10_000, 'QBank to have the wire'); // still processing
      await replica.kill('SIGKILL');
      await first;
      replica = await startReplicaOf(database.env, port);

      let answer: Awaited<ReturnType<typeof wire>> | undefined;
      const deadline = Date.now() + 40_000;
      const seen: number[] = [];
      while (Date.now() < deadline) {
        answer = await wire(replica, key);
        seen.push(answer.status);
        if (answer.status === 201) break;
        expect(answer.status).toBe(409); // in flight: first our lease, then QBank's own processing
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(answer?.status).toBe(201);
      expect(answer!.body.status).toBe('P_COMPLETED');
      expect(answer!.body.qbank_payment_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(seen[0]).toBe(409);
      expect((await sandboxPayments()) - before).toBe(1);
      // and from now on the stored answer
      const replay = await wire(replica, key);
      expect(replay).toMatchObject({ status: 201, replayed: 'true', body: { payment_id: answer!.body.payment_id } });
    } finally {
      sandbox.settings.processingMs = 0;
      await replica.kill();
      await database.drop();
    }
  }, 120_000);

  it('a gateway killed (SIGKILL) between QBank acting and its answer being recorded, and no caller retry → the recovery job completes the payment, once', async () => {
    const database: TestDatabase = testDatabase();
    const recovering = { ...database.env, PAYMENTS_RECOVERY_INTERVAL_SECONDS: '1' };
    sandbox.settings.answerDelayMs = 5000; // QBank acts at once; its answer is late on the way back
    let replica = await startReplicaOf(recovering);
    const port = Number(new URL(replica.url).port);
    const auditor = signDevToken(ensureDevKeys(keyFile), {
      sub: 'audit-team',
      roles: ['auditor'],
      ttlSeconds: 600,
      issuer: 'qbank-gateway-dev',
      audience: 'qbank-gateway',
      issuedAt: testNow(),
    });
    const get = (path: string, as = token) =>
      fetch(`${replica.url}${path}`, { headers: { authorization: `Bearer ${as}` } }).then(
        async (r) => (await r.json()) as Record<string, any>,
      );
    try {
      const before = await sandboxPayments();
      const key = randomUUID();
      const first = wire(replica, key).catch(() => undefined); // the connection dies with the process
      await eventually(async () => ((await sandboxPayments()) > before ? true : undefined), 10_000, 'QBank to have the wire');
      await replica.kill('SIGKILL');
      await first;
      sandbox.settings.answerDelayMs = 0;
      replica = await startReplicaOf(recovering, port);

      // Nobody retries: the gateway finds the payment whose answer it lost and asks QBank again with its key.
      const payment = await eventually(
        async () => {
          const list = await get('/v1/payments?type=WIRE');
          const ours = (list.data as { idempotency_key: string; status: string }[]).find((p) => p.idempotency_key === key);
          return ours?.status === 'P_COMPLETED' ? (ours as Record<string, any>) : undefined;
        },
        20_000,
        'the recovery job to complete the wire',
      );
      expect(payment.status_history.map((h: { status: string; source: string }) => `${h.status}/${h.source}`)).toEqual([
        'P_PENDING/gateway',
        'P_PROCESSING/recovery',
        'P_COMPLETED/recovery',
      ]);
      expect((await sandboxPayments()) - before).toBe(1);
      const upstreamKeys = (await sandboxPaymentList()).map((p) => p.idempotency_key);
      expect(new Set(upstreamKeys).size).toBe(upstreamKeys.length); // QBank holds each upstream key once
      const trail = await get(`/v1/audit/events?resource_id=${payment.payment_id}&action=payment.status_changed`, auditor);
      expect(trail.data).toHaveLength(2);
      expect(trail.data).toEqual(
        expect.arrayContaining(
          ['P_PROCESSING', 'P_COMPLETED'].map((to) =>
            expect.objectContaining({ actor: 'system', detail: expect.objectContaining({ to, source: 'recovery' }) }),
          ),
        ),
      );
      // The caller's retry now replays the answer the recovery stored.
      const replay = await wire(replica, key);
      expect(replay).toMatchObject({
        status: 201,
        replayed: 'true',
        body: { payment_id: payment.payment_id, status: 'P_COMPLETED', actor: 'treasury-ops' },
      });
    } finally {
      sandbox.settings.answerDelayMs = 0;
      await replica.kill();
      await database.drop();
    }
  });
});
