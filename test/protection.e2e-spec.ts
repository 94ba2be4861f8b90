import { randomUUID } from 'node:crypto';
import { AuditWriter } from '../src/audit/audit-writer.service.js';
import { Clock } from '../src/common/clock.js';
import { call, startGateway, type TestGateway } from './support/gateway.js';

describe('protecting callers from each other: per-caller rate limits and payment limits', () => {
  let gw: TestGateway;
  let accountId: string;
  const wire = (amount: string) => ({
    debtor_account_id: accountId,
    amount,
    currency: 'USD',
    creditor: { name: 'Globex', routing_number: '021000021', account_number: '123456789' },
  });

  beforeAll(async () => {
    gw = await startGateway({ env: { LIMITS_CALLER_RATE_PER_SECOND: '5', LIMITS_CALLER_BURST: '5' }, sandbox: { accounts: 1 } });
    const admin = gw.token('ops', ['gateway-admin']);
    expect((await call(gw, 'POST', '/v1/sync/accounts?wait=true', { token: admin })).status).toBe(202);
    accountId = (
      (await call(gw, 'GET', '/v1/accounts', { token: gw.token('reader-0', ['treasury-viewer']) })).body.data as { account_id: string }[]
    )[0]!.account_id;
  });
  afterAll(() => gw.close());

  it('a caller past its rate gets 429 GW_RATE_LIMITED with Retry-After, audited; other callers are not slowed', async () => {
    const greedy = gw.token('greedy-service', ['treasury-viewer']);
    // The twelve calls arrive at one instant of the gateway's clock, however long a loaded machine takes to serve them.
    const clock = gw.app.get(Clock);
    const instant = clock.now();
    clock.now = () => instant;
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => call(gw, 'GET', `/v1/balances/${accountId}`, { token: greedy })),
    ).finally(() => delete (clock as Partial<Clock>).now);
    const limited = answers.filter((a) => a.status === 429);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(5);
    expect(limited).toHaveLength(7);
    expect(limited[0]!.body).toMatchObject({ error_code: 'GW_RATE_LIMITED', request_id: expect.any(String) });
    expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await call(gw, 'GET', `/v1/balances/${accountId}`, { token: gw.token('patient-service', ['treasury-viewer']) })).status).toBe(
      200,
    );
    await gw.app.get(AuditWriter).flush();
    const audited = await call(gw, 'GET', `/v1/audit/events?request_id=${limited[0]!.headers.get('x-request-id')}`, {
      token: gw.token('audit-team', ['auditor']),
    });
    expect(audited.body.data).toEqual([expect.objectContaining({ actor: 'greedy-service', status: 429, error_code: 'GW_RATE_LIMITED' })]);
  });

  it('payment limits: over the per-payment or the daily limit → 422 naming the limit, nothing sent to QBank or stored, the refusal audited; the key stays usable', async () => {
    const sandboxPayments = async () =>
      ((await (await fetch(`${gw.sandbox.url}/sandbox/payments`)).json()) as { data: unknown[] }).data.length;
    const before = await sandboxPayments();
    // the shipped role limit: a treasury operator's wire of at most 1,000,000.00
    const operator = gw.token('treasury-ops', ['treasury-operator']);
    const big = await call(gw, 'POST', '/v1/payments/wire', {
      token: operator,
      body: wire('1000000.01'),
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(big.status).toBe(422);
    expect(big.body).toMatchObject({
      error_code: 'GW_LIMIT_EXCEEDED',
      message: expect.stringContaining('per-payment wire limit of 1000000.00 (role treasury-operator)'),
    });

    // a caller's own limit replaces its roles': 100.00 per wire, 150.00 a day
    gw.config.limits.payments.callers = { 'small-ops': { WIRE: { perPayment: '100.00', perDay: '150.00' } } };
    const small = gw.token('small-ops', ['treasury-operator']);
    const first = await call(gw, 'POST', '/v1/payments/wire', {
      token: small,
      body: wire('90.00'),
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(first.status).toBe(201);
    const key = randomUUID();
    const second = await call(gw, 'POST', '/v1/payments/wire', { token: small, body: wire('90.00'), headers: { 'idempotency-key': key } });
    expect(second.status).toBe(422);
    expect(second.body.message).toMatch(/would reach 180\.00, over the daily wire limit of 150\.00 \(caller small-ops\)/);
    // A refusal of the gateway's own is not QBank's final answer: nothing was recorded (the payment, the
    // reservation and the key's record were rolled back together), so a retry is judged afresh...
    const retry = await call(gw, 'POST', '/v1/payments/wire', { token: small, body: wire('90.00'), headers: { 'idempotency-key': key } });
    expect(retry).toMatchObject({ status: 422, body: { error_code: 'GW_LIMIT_EXCEEDED' } });
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(await sandboxPayments()).toBe(before + 1); // only the wire within the limits reached QBank
    // ... and the key is not burned: the same key with a body within the limit goes through.
    const within = await call(gw, 'POST', '/v1/payments/wire', { token: small, body: wire('60.00'), headers: { 'idempotency-key': key } });
    expect(within.status).toBe(201);
    expect(await sandboxPayments()).toBe(before + 2);
    const stored = await call(gw, 'GET', '/v1/payments?type=WIRE', { token: operator });
    expect(stored.body.data.map((p: { amount: string }) => p.amount)).toEqual(['60.00', '90.00']);
    const audited = await call(gw, 'GET', `/v1/audit/events?request_id=${second.headers.get('x-request-id')}`, {
      token: gw.token('audit-team', ['auditor']),
    });
    expect(audited.body.data).toEqual([expect.objectContaining({ actor: 'small-ops', status: 422, error_code: 'GW_LIMIT_EXCEEDED' })]);
  });
});
