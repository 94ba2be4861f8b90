import { createHash, randomUUID } from 'node:crypto';
import { canonicalJson } from '#qbank/contract';
import { IdempotencyRecord } from '../src/idempotency/idempotency-record.entity.js';
import { eventually } from './support/capture-server.js';
import { testNow } from './support/clock.js';
import { call, startGateway, WEBHOOK_SECRET, type TestGateway } from './support/gateway.js';
import { admin, sandboxAccounts } from './support/sandbox-admin.js';
import { signWebhook } from './support/sign.js';

type SandboxPayment = { payment_id: string; idempotency_key: string; status: string };

/**
 * The money bugs of the previous design, each shown failing before and passing after: a QBank 429 stored as
 * the final answer, a takeover that skipped the payment limits, an ACH batch of failures reading as
 * completed, webhooks that claimed to apply what they did not (or contradicted the payment), and input
 * that slipped past the edge.
 */
describe('the money path: QBank failures, takeovers, batches, webhooks and input at the edge (real HTTP, real database)', () => {
  let gw: TestGateway;
  let operator: string;
  let accounts: string[];

  const sandboxPayments = async () => (await admin<{ data: SandboxPayment[] }>(gw.sandbox.url, 'GET', '/sandbox/payments')).data;
  const wire = (overrides: Record<string, unknown> = {}) => ({
    debtor_account_id: accounts[0],
    amount: '12.00',
    currency: 'USD',
    creditor: { name: 'Globex Corp', routing_number: '021000021', account_number: '123456789' },
    ...overrides,
  });
  const post = (path: string, body: unknown, key: string, token = operator) =>
    call(gw, 'POST', path, { token, body, headers: { 'idempotency-key': key } });
  const upstreamKeyOf = async (key: string): Promise<string> =>
    (await gw.db.getRepository(IdempotencyRecord).findOneByOrFail({ callerKey: key })).upstreamKey;
  const webhook = async (qbankPayment: { payment_id: string; amount: string; currency?: string }, status: 'P_COMPLETED' | 'P_FAILED') => {
    const body = JSON.stringify({
      event_id: randomUUID(),
      event_type: 'paymentStatusUpdate',
      // Stamped at QBank's time, which stands with the gateway's (see `startGateway`).
      data: { payment: { currency: 'USD', ...qbankPayment, status, updated_at: testNow().toISOString() } },
    });
    return call(gw, 'POST', '/v1/webhooks/qbank', {
      rawBody: body,
      headers: { 'webhook-signature': signWebhook(body, WEBHOOK_SECRET), 'webhook-event-id': randomUUID() },
    });
  };

  beforeAll(async () => {
    gw = await startGateway({ sandbox: { accounts: 3 } });
    operator = gw.token('treasury-ops', ['treasury-operator']);
    accounts = (await sandboxAccounts(gw.sandbox.baseUrl)).accountIds;
  });
  afterEach(() => admin(gw.sandbox.url, 'DELETE', '/sandbox/faults'));
  afterAll(() => gw.close());

  it('a QBank 429 is not final: the caller gets 429 with Retry-After, and its retry with the same key sends the payment, once', async () => {
    await admin(gw.sandbox.url, 'PUT', '/sandbox/faults', {
      status: 429,
      count: 1,
      retry_after_seconds: 60,
      method: 'POST',
      path_prefix: '/v1/payments/wire',
    });
    const key = randomUUID();
    const before = (await sandboxPayments()).length;
    const limited = await post('/v1/payments/wire', wire(), key);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(limited.headers.get('idempotent-replayed')).toBeNull();
    expect(limited.body.message).toMatch(/retry with the same Idempotency-Key/);
    // What re-sending needs is kept, sealed: the creditor's account number is not readable at rest.
    const pending = await gw.db.getRepository(IdempotencyRecord).findOneByOrFail({ callerKey: key });
    expect(pending).toMatchObject({ state: 'in_flight', upstreamRequest: expect.stringMatching(/^dev\./) });
    expect(pending.upstreamRequest).not.toContain('123456789');
    expect(Buffer.from(pending.upstreamRequest!.split('.')[3]!, 'base64url').toString('latin1')).not.toContain('123456789');

    const retried = await post('/v1/payments/wire', wire(), key);
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(retried.body.status).toBe('P_COMPLETED');
    expect(retried.body.status_history.map((h: { status: string }) => h.status)).not.toContain('P_FAILED');
    const upstreamKey = await upstreamKeyOf(key);
    expect((await sandboxPayments()).length - before).toBe(1);
    expect((await sandboxPayments()).filter((p) => p.idempotency_key === upstreamKey)).toHaveLength(1);
    // Answered: the sealed request is dropped.
    expect(await gw.db.getRepository(IdempotencyRecord).findOneByOrFail({ callerKey: key })).toMatchObject({
      state: 'completed',
      upstreamRequest: null,
    });

    const replay = await post('/v1/payments/wire', wire(), key);
    expect(replay).toMatchObject({ status: 201, body: { payment_id: retried.body.payment_id } });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
  });

  it('a QBank 5xx leaves the payment recoverable too: 503 with Retry-After, then the retry completes it', async () => {
    await admin(gw.sandbox.url, 'PUT', '/sandbox/faults', { status: 500, count: 5, method: 'POST', path_prefix: '/v1/transfers' });
    const key = randomUUID();
    const before = (await sandboxPayments()).length;
    const transfer = { from_account_id: accounts[0], to_account_id: accounts[1], amount: '5.00', currency: 'USD' };
    const failed = await post('/v1/transfers', transfer, key);
    expect(failed.status).toBe(503);
    expect(Number(failed.headers.get('retry-after'))).toBeGreaterThan(0);
    await admin(gw.sandbox.url, 'DELETE', '/sandbox/faults');
    const retried = await post('/v1/transfers', transfer, key);
    expect(retried).toMatchObject({ status: 201, body: { type: 'TRANSFER', status: 'P_COMPLETED' } });
    expect((await sandboxPayments()).length - before).toBe(1);
    const upstreamKey = await upstreamKeyOf(key);
    expect((await sandboxPayments()).filter((p) => p.idempotency_key === upstreamKey)).toHaveLength(1);
  });

  it('a retry that takes over a record whose payment was never recorded passes every check a fresh request passes', async () => {
    // What a crash between the claim and the recording left behind (the previous design committed them
    // apart): an in-flight record whose holder is gone, and no payment.
    gw.config.limits.payments.callers = { 'capped-ops': { WIRE: { perPayment: '100.00' } } };
    const capped = gw.token('capped-ops', ['treasury-operator']);
    const body = wire({ amount: '5000.00' });
    const key = randomUUID();
    const now = new Date();
    await gw.db.getRepository(IdempotencyRecord).insert({
      id: randomUUID(),
      caller: 'capped-ops',
      callerKey: key,
      operation: 'wire',
      fingerprint: createHash('sha256')
        .update(`wire\n${canonicalJson(body)}`)
        .digest('hex'),
      upstreamKey: randomUUID(),
      resourceId: randomUUID(),
      state: 'in_flight',
      leaseExpiresAt: new Date(now.getTime() - 60_000),
      attempts: 1,
      responseStatus: null,
      responseBody: null,
      upstreamRequest: null,
      createdAt: now,
      updatedAt: now,
      expiresAt: new Date(now.getTime() + 3_600_000),
    });
    const before = (await sandboxPayments()).length;
    const retry = await post('/v1/payments/wire', body, key, capped);
    expect(retry.status).toBe(422);
    expect(retry.body).toMatchObject({
      error_code: 'GW_LIMIT_EXCEEDED',
      message: expect.stringContaining('per-payment wire limit of 100.00'),
    });
    expect((await sandboxPayments()).length).toBe(before);
  });

  it('an ACH batch all of whose entries failed reads as P_FAILED; one with a completed entry as P_COMPLETED', async () => {
    const entry = (accountNumber: string) => ({
      amount: '20.00',
      creditor: { name: 'Payee', routing_number: '011000015', account_number: accountNumber, account_type: 'CHECKING' },
    });
    const allFail = await post(
      '/v1/payments/ach',
      { debtor_account_id: accounts[0], sec_code: 'PPD', payments: [entry('10000000'), entry('20000000')] },
      randomUUID(),
    );
    const mixed = await post(
      '/v1/payments/ach',
      { debtor_account_id: accounts[0], sec_code: 'PPD', payments: [entry('10000000'), entry('123456789')] },
      randomUUID(),
    );
    expect([allFail.status, mixed.status]).toEqual([202, 202]);
    await admin(gw.sandbox.url, 'POST', '/sandbox/ach/settle');
    const settled = async (batchId: string) => {
      const batch = await call(gw, 'GET', `/v1/payments/${batchId}`, { token: operator });
      return batch.body.payments.every((p: { status: string }) => p.status === 'P_COMPLETED' || p.status === 'P_FAILED')
        ? batch.body
        : undefined;
    };
    const failedBatch = await eventually(() => settled(allFail.body.batch_id), 10_000, 'the failing batch settled');
    expect(failedBatch.payments.map((p: { status: string }) => p.status)).toEqual(['P_FAILED', 'P_FAILED']);
    expect(failedBatch.status).toBe('P_FAILED');
    const mixedBatch = await eventually(() => settled(mixed.body.batch_id), 10_000, 'the mixed batch settled');
    expect(mixedBatch.payments.map((p: { status: string }) => p.status)).toEqual(['P_FAILED', 'P_COMPLETED']);
    expect(mixedBatch.status).toBe('P_COMPLETED');
  });

  describe('webhooks say the truth', () => {
    let entries: { payment_id: string; qbank_payment_id: string }[];
    const refusals = async (qbankPaymentId: string) =>
      (await gw.db.query(
        `SELECT refusal FROM webhook_events WHERE qbank_payment_id = ${gw.config.database.url.startsWith('postgres') ? '$1' : '?'}`,
        [qbankPaymentId],
      )) as { refusal: string | null }[];
    beforeAll(async () => {
      const entry = (accountNumber: string) => ({
        amount: '12.00',
        creditor: { name: 'Initech', routing_number: '011000015', account_number: accountNumber, account_type: 'SAVINGS' },
      });
      const batch = await post(
        '/v1/payments/ach',
        { debtor_account_id: accounts[1], sec_code: 'CCD', payments: [entry('44445555'), entry('44446666'), entry('44447777')] },
        randomUUID(),
      );
      entries = batch.body.payments;
    });

    it('an event whose amount or currency differs from the stored payment is not applied: kept with why, audited, counted', async () => {
      const [byAmount, byCurrency] = entries as [(typeof entries)[0], (typeof entries)[0]];
      const forged = await webhook({ payment_id: byAmount.qbank_payment_id, amount: '999999.99' }, 'P_FAILED');
      expect(forged).toMatchObject({ status: 200, body: { received: true, duplicate: false, applied: false } });
      const currency = await webhook({ payment_id: byCurrency.qbank_payment_id, amount: '12.00', currency: 'EUR' }, 'P_FAILED');
      expect(currency).toMatchObject({ status: 200, body: { received: true, duplicate: false, applied: false } });
      for (const entry of [byAmount, byCurrency])
        expect((await call(gw, 'GET', `/v1/payments/${entry.payment_id}`, { token: operator })).body.status).toBe('P_PENDING');
      expect(await refusals(byAmount.qbank_payment_id)).toEqual([{ refusal: "amount 999999.99 differs from the payment's 12.00" }]);
      expect(await refusals(byCurrency.qbank_payment_id)).toEqual([{ refusal: "currency EUR differs from the payment's USD" }]);
      const audited = await call(gw, 'GET', `/v1/audit/events?resource_id=${byAmount.payment_id}&action=payment.webhook_refused`, {
        token: gw.token('audit-team', ['auditor']),
      });
      expect(audited.body.data).toEqual([expect.objectContaining({ actor: 'qbank', outcome: 'client_error' })]);
      const metrics = (await call(gw, 'GET', '/metrics')).body as string;
      expect(metrics).toMatch(/gateway_webhook_refusals_total 2/);
      expect(metrics).toMatch(/gateway_webhook_deliveries_total\{outcome="refused"\} 2/);
      // A repeated delivery of it is a duplicate: nothing is audited or counted twice.
      expect((await webhook({ payment_id: byAmount.qbank_payment_id, amount: '999999.99' }, 'P_FAILED')).body).toMatchObject({
        duplicate: true,
      });
      // The genuine event of another change still applies.
      expect((await webhook({ payment_id: byAmount.qbank_payment_id, amount: '12.00' }, 'P_COMPLETED')).body).toMatchObject({
        applied: true,
      });
    });

    it('applied is true only when the status changed: the genuine event applies, a contradicting final status does not', async () => {
      const entry = entries[2]!;
      const genuine = await webhook({ payment_id: entry.qbank_payment_id, amount: '12.00' }, 'P_COMPLETED');
      expect(genuine.body).toEqual({ received: true, duplicate: false, applied: true });
      const again = await webhook({ payment_id: entry.qbank_payment_id, amount: '12.00' }, 'P_COMPLETED');
      expect(again.body).toEqual({ received: true, duplicate: true, applied: false });
      const contradiction = await webhook({ payment_id: entry.qbank_payment_id, amount: '12.00' }, 'P_FAILED');
      expect(contradiction.body).toEqual({ received: true, duplicate: false, applied: false });
      const payment = await call(gw, 'GET', `/v1/payments/${entry.payment_id}`, { token: operator });
      expect(payment.body.status).toBe('P_COMPLETED');
      expect(payment.body.status_history.map((h: { status: string; source: string }) => `${h.status}/${h.source}`)).toEqual([
        'P_PENDING/gateway',
        'P_COMPLETED/webhook',
      ]);
    });
  });

  describe('input at the edge', () => {
    it('ids compare case-insensitively: a transfer to the same account in capitals is refused, and ids are stored lower-case', async () => {
      const same = await post(
        '/v1/transfers',
        { from_account_id: accounts[0], to_account_id: accounts[0]!.toUpperCase(), amount: '1.00', currency: 'USD' },
        randomUUID(),
      );
      expect(same.status).toBe(400);
      expect(same.body.message).toMatch(/to_account_id: must differ from from_account_id/);
      const upper = await post('/v1/payments/wire', wire({ debtor_account_id: accounts[0]!.toUpperCase() }), randomUUID());
      expect(upper.status).toBe(201);
      expect(upper.body.debtor_account_id).toBe(accounts[0]);
      const byUpperId = await call(gw, 'GET', `/v1/payments/${String(upper.body.payment_id).toUpperCase()}`, { token: operator });
      expect(byUpperId).toMatchObject({ status: 200, body: { payment_id: upper.body.payment_id } });
    });

    it('a JSON body with a key given twice is refused with 400 naming it, and nothing is recorded', async () => {
      const before = (await sandboxPayments()).length;
      const body = JSON.stringify(wire()).replace('"amount":"12.00"', '"amount":"12.00","amount":"999999.99"');
      const duplicate = await call(gw, 'POST', '/v1/payments/wire', {
        token: operator,
        rawBody: body,
        headers: { 'idempotency-key': randomUUID() },
      });
      expect(duplicate).toMatchObject({
        status: 400,
        body: { error_code: 'GW_VALIDATION', message: 'body.amount: the key appears twice' },
      });
      const nested = JSON.stringify(wire()).replace(
        '"account_number":"123456789"',
        '"account_number":"123456789","account_number":"987654321"',
      );
      const nestedAnswer = await call(gw, 'POST', '/v1/payments/wire', {
        token: operator,
        rawBody: nested,
        headers: { 'idempotency-key': randomUUID() },
      });
      expect(nestedAnswer.body.message).toBe('body.creditor.account_number: the key appears twice');
      expect((await sandboxPayments()).length).toBe(before);
    });

    it('list cursors are validated when decoded: an altered cursor is a 400, never a query', async () => {
      const admin = gw.token('ops-admin', ['gateway-admin']);
      for (const resource of ['accounts', 'transactions'])
        expect((await call(gw, 'POST', `/v1/sync/${resource}?wait=true`, { token: admin })).body.status).toBe('succeeded');
      const altered = Buffer.from(JSON.stringify(["2026-01-01' OR 1=1 --", 'x'])).toString('base64url');
      for (const path of ['/v1/payments', '/v1/transactions', '/v1/accounts', '/v1/audit/events'])
        expect(
          await call(gw, 'GET', `${path}?cursor=${altered}`, { token: gw.token('everyone', ['treasury-viewer', 'auditor']) }),
        ).toMatchObject({
          status: 400,
          body: { message: 'cursor: not a cursor of this list' },
        });
    });
  });
});
