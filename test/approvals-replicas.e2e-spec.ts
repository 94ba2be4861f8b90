import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '#qbank/sandbox';
import { ensureDevKeys, signDevToken } from '../src/auth/dev-keys.js';
import { TEST_CLOCK_OFFSET_MS, testNow } from './support/clock.js';
import { configDir } from './support/config-dir.js';
import { postgresDatabase } from './support/gateway.js';
import { sandboxAccounts } from './support/sandbox-admin.js';
import { startReplica, type Replica } from './support/replicas.js';

describe('approvals across processes', () => {
  let sandbox: RunningSandbox;
  const dir = mkdtempSync(join(tmpdir(), 'qbank-replicas-'));
  const keyFile = join(dir, 'dev-signing-key');
  const token = (sub: string, roles: string[]) =>
    signDevToken(ensureDevKeys(keyFile), {
      sub,
      roles,
      ttlSeconds: 600,
      issuer: 'qbank-gateway-dev',
      audience: 'qbank-gateway',
      issuedAt: testNow(),
    });
  const operator = token('treasury-ops', ['treasury-operator']);
  let accountId: string;

  const post = (replica: Replica, path: string, bearer: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${replica.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, any> }));
  const sandboxPayments = async () =>
    ((await (await fetch(`${sandbox.url}/sandbox/payments`)).json()) as { data: { idempotency_key: string }[] }).data;

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

  it('two approvers deciding the same payment at the same moment on two replicas on one PostgreSQL → QBank sees it once', async () => {
    const database = postgresDatabase();
    const env = {
      ...database.env,
      CONFIG_DIR: configDir({
        'approvals.yaml': {
          policies: [{ name: 'every-wire', when: { type: 'WIRE' }, approvals: 1, approver_roles: ['payment-approver'] }],
        },
      }),
    };
    const [a, b] = await Promise.all([startReplica(sandbox.baseUrl, keyFile, env), startReplica(sandbox.baseUrl, keyFile, env)]);
    try {
      const before = (await sandboxPayments()).length;
      const rounds = 5;
      for (let round = 0; round < rounds; round += 1) {
        const initiated = await post(
          a,
          '/v1/payments/wire',
          operator,
          {
            debtor_account_id: accountId,
            amount: '25000.00',
            currency: 'USD',
            creditor: { name: 'Initech', routing_number: '021000021', account_number: '123456789' },
          },
          { 'idempotency-key': randomUUID() },
        );
        expect(initiated.body.status).toBe('P_AWAITING_APPROVAL');
        const id = initiated.body.payment_id as string;
        const decisions = await Promise.all([
          post(a, `/v1/payments/${id}/approve`, token('alice', ['payment-approver']), {}),
          post(b, `/v1/payments/${id}/approve`, token('bob', ['payment-approver']), {}),
        ]);
        // One of them released it; the other found it no longer awaiting approval.
        expect(decisions.map((d) => d.status).sort()).toEqual([200, 409]);
        expect(decisions.find((d) => d.status === 409)!.body.error_code).toBe('GW_NOT_AWAITING_APPROVAL');
        expect(decisions.find((d) => d.status === 200)!.body.qbank_payment_id).toEqual(expect.any(String));
      }
      const sent = (await sandboxPayments()).slice(before);
      expect(sent).toHaveLength(rounds);
      expect(new Set(sent.map((p) => p.idempotency_key)).size).toBe(rounds);
    } finally {
      await Promise.all([a.kill(), b.kill()]);
      await database.drop();
    }
  });
});
