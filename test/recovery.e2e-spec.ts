import { randomUUID } from 'node:crypto';
import { IdempotencyRecord } from '../src/idempotency/idempotency-record.entity.js';
import { eventually } from './support/capture-server.js';
import { call, startGateway, type TestGateway } from './support/gateway.js';
import { admin, sandboxAccounts } from './support/sandbox-admin.js';

/** Unknown outcomes (contract §7) are resolved by the gateway itself, without waiting for the caller. */
describe('the recovery job (real HTTP, real database)', () => {
  let gw: TestGateway;
  let operator: string;
  let accounts: string[];

  beforeAll(async () => {
    gw = await startGateway({ env: { QBANK_TIMEOUT_MS: '300', IDEMPOTENCY_LEASE_SECONDS: '1', PAYMENTS_RECOVERY_INTERVAL_SECONDS: '1' } });
    operator = gw.token('payables', ['treasury-operator']);
    accounts = (await sandboxAccounts(gw.sandbox.baseUrl)).accountIds;
  });
  afterAll(() => gw.close());

  it('an ACH batch whose answer timed out: 503 to the caller, then completed by the recovery job with the same upstream key', async () => {
    gw.sandbox.settings.answerDelayMs = 1000; // QBank acts, but answers after the gateway's timeout
    const before = (await admin<{ data: unknown[] }>(gw.sandbox.url, 'GET', '/sandbox/payments')).data.length;
    const key = randomUUID();
    const body = {
      debtor_account_id: accounts[0],
      sec_code: 'PPD',
      payments: [
        {
          amount: '31.50',
          creditor: { name: 'Employee', routing_number: '011000015', account_number: '80001234', account_type: 'CHECKING' },
        },
      ],
    };
    const timedOut = await call(gw, 'POST', '/v1/payments/ach', { token: operator, body, headers: { 'idempotency-key': key } });
    expect(timedOut).toMatchObject({ status: 503, body: { error_code: 'GW_UPSTREAM_TIMEOUT' } });
    expect(Number(timedOut.headers.get('retry-after'))).toBeGreaterThan(0);
    gw.sandbox.settings.answerDelayMs = 0;

    const batch = await eventually(
      async () => {
        const list = await call(gw, 'GET', '/v1/payments?type=ACH', { token: operator });
        const entry = (list.body.data as { idempotency_key: string; batch_id: string; qbank_payment_id: string | null }[]).find(
          (p) => p.idempotency_key === key,
        );
        return entry?.qbank_payment_id ? entry : undefined;
      },
      15_000,
      'the recovery job to record QBank’s answer',
    );
    const stored = await call(gw, 'GET', `/v1/payments/${batch.batch_id}`, { token: operator });
    expect(stored.body).toMatchObject({ type: 'ACH_BATCH', qbank_batch_id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'P_PENDING' });
    const { upstreamKey } = await gw.db.getRepository(IdempotencyRecord).findOneByOrFail({ callerKey: key });
    const atQBank = (await admin<{ data: { idempotency_key: string }[] }>(gw.sandbox.url, 'GET', '/sandbox/payments')).data;
    expect(atQBank.length - before).toBe(1); // sent twice, accepted once: one ACH entry in all
    expect(atQBank.filter((p) => p.idempotency_key === upstreamKey)).toHaveLength(1);
    // The caller's retry replays what the recovery stored: QBank is not asked again.
    const requestsBefore = (await admin<{ data: unknown[] }>(gw.sandbox.url, 'GET', '/sandbox/requests')).data.length;
    const retry = await call(gw, 'POST', '/v1/payments/ach', { token: operator, body, headers: { 'idempotency-key': key } });
    expect(retry).toMatchObject({ status: 202, body: { batch_id: batch.batch_id, actor: 'payables' } });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect((await admin<{ data: unknown[] }>(gw.sandbox.url, 'GET', '/sandbox/requests')).data.length).toBe(requestsBefore);
  });
});
