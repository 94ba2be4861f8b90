import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '#qbank/sandbox';
import { ensureDevKeys, signDevToken } from '../src/auth/dev-keys.js';
import { eventually } from './support/capture-server.js';
import { postgresDatabase } from './support/gateway.js';
import { sandboxAccounts } from './support/sandbox-admin.js';
import { startReplica, type Replica } from './support/replicas.js';

// Tuesday December 8, 2026, one minute after the wire cutoff (17:30 ET), and the next window (Wednesday 00:01 ET).
const AFTER_CUTOFF = Date.parse('2026-12-08T22:31:00Z');
const NEXT_WINDOW = Date.parse('2026-12-09T05:01:00Z');

describe('scheduled payments across processes', () => {
  let sandbox: RunningSandbox;
  const dir = mkdtempSync(join(tmpdir(), 'qbank-scheduling-'));
  const keyFile = join(dir, 'dev-signing-key');
  let accountId: string;

  /** A replica process whose clock stands at `at` (and runs on), and a token issued at that clock. */
  const replicaAt = async (at: number, env: Record<string, string>) => {
    const offset = at - Date.now();
    const replica = await startReplica(sandbox.baseUrl, keyFile, { ...env, CLOCK_OFFSET_MS: String(offset) });
    const token = signDevToken(ensureDevKeys(keyFile), {
      sub: 'treasury-ops',
      roles: ['treasury-operator'],
      ttlSeconds: 600,
      issuer: 'qbank-gateway-dev',
      audience: 'qbank-gateway',
      issuedAt: new Date(Date.now() + offset),
    });
    return { replica, token };
  };
  const postWire = (replica: Replica, token: string, amount: string) =>
    fetch(`${replica.url}/v1/payments/wire`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({
        debtor_account_id: accountId,
        amount,
        currency: 'USD',
        creditor: { name: 'Initech', routing_number: '021000021', account_number: '123456789' },
      }),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, any> }));
  const sandboxPayments = async () =>
    ((await (await fetch(`${sandbox.url}/sandbox/payments`)).json()) as { data: { amount: string; idempotency_key: string }[] }).data;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, quiet: true, processingMs: 0, achSettleIntervalSeconds: 0 });
    accountId = (await sandboxAccounts(sandbox.baseUrl)).accountIds[0]!;
  });
  afterAll(async () => {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('two replicas on one PostgreSQL running the scheduler over the same due payments → QBank sees each once', async () => {
    const database = postgresDatabase();
    const env = { ...database.env, SCHEDULER_INTERVAL_SECONDS: '1' };
    const amounts = Array.from({ length: 8 }, (_, i) => `7100.0${i}`);
    try {
      const late = await replicaAt(AFTER_CUTOFF, env);
      try {
        for (const amount of amounts) {
          const answer = await postWire(late.replica, late.token, amount);
          expect(answer).toMatchObject({ status: 201, body: { status: 'P_SCHEDULED', execution_date: '2026-12-09' } });
        }
      } finally {
        await late.replica.kill();
      }
      expect((await sandboxPayments()).filter((p) => amounts.includes(p.amount))).toHaveLength(0);

      const [a, b] = await Promise.all([replicaAt(NEXT_WINDOW, env), replicaAt(NEXT_WINDOW, env)]);
      try {
        await eventually(
          async () => ((await sandboxPayments()).filter((p) => amounts.includes(p.amount)).length >= amounts.length ? true : undefined),
          20_000,
          'the scheduler to send every due payment',
        );
        // A few more scheduler runs on both replicas: nothing is sent twice.
        await new Promise((resolve) => setTimeout(resolve, 3000));
        const sent = (await sandboxPayments()).filter((p) => amounts.includes(p.amount));
        expect(sent.map((p) => p.amount).sort()).toEqual(amounts);
        expect(new Set(sent.map((p) => p.idempotency_key)).size).toBe(amounts.length);
      } finally {
        await Promise.all([a.replica.kill(), b.replica.kill()]);
      }
    } finally {
      await database.drop();
    }
  });
});
