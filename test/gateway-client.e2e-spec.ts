import { randomUUID } from 'node:crypto';
import {
  createGatewayClient,
  GatewayApiError,
  GatewayProblemError,
  unwrap,
  type GatewayClientOptions,
  type Payment,
  type WireRequest,
} from '#gateway/client';
import { eventually } from './support/capture-server.js';
import { startGateway, type TestGateway } from './support/gateway.js';
import { admin, sandboxAccounts } from './support/sandbox-admin.js';

type SandboxPayment = { payment_id: string; idempotency_key: string };
type SandboxRequest = { path: string; status: number; idempotency_key: string | null };
type AuditEvent = { status: number; idempotency_key: string | null };

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * The caller SDK that other services install, against a real gateway and sandbox over HTTP: one key per
 * payment, the same on every retry; 429 and 503 retried after their Retry-After; both error formats typed.
 * The SDK's waits go through its `sleep` option, which here notes what was asked and returns: the test
 * controls time, as a caller's scheduler may.
 */
describe('the caller SDK (#gateway/client): idempotent retries and typed errors against the real gateway', () => {
  let gw: TestGateway;
  let accounts: string[];
  /** The waits the SDK asked for, in ms. */
  let waits: number[];

  const sandboxPayments = async () => (await admin<{ data: SandboxPayment[] }>(gw.sandbox.url, 'GET', '/sandbox/payments')).data;
  /** What QBank saw of one payment: every attempt the gateway made with its upstream key, and the payments made. */
  const atQBank = async (qbankPaymentId: string | null, path: string) => {
    const payments = (await sandboxPayments()).filter((p) => p.payment_id === qbankPaymentId);
    const requests = (await admin<{ data: SandboxRequest[] }>(gw.sandbox.url, 'GET', `/sandbox/requests?path=${path}`)).data;
    return { payments, attempts: requests.filter((r) => r.idempotency_key === payments[0]?.idempotency_key).map((r) => r.status) };
  };
  const armFault = (fault: Record<string, unknown>) => admin(gw.sandbox.url, 'PUT', '/sandbox/faults', { method: 'POST', ...fault });
  /** A service of its own (its `sub`), with a token minted for each attempt, as from an identity provider. */
  const service = (sub: string, options: Partial<GatewayClientOptions> = {}) =>
    createGatewayClient({
      baseUrl: gw.url,
      token: () => gw.token(sub, ['treasury-operator']),
      sleep: async (ms) => void waits.push(ms),
      retry: { maxDelayMs: 120_000 },
      ...options,
    });
  const wire = (overrides: Partial<WireRequest> = {}): WireRequest => ({
    debtor_account_id: accounts[0]!,
    amount: '310.00',
    currency: 'USD',
    creditor: { name: 'Globex Corp', routing_number: '021000021', account_number: '123456789' },
    description: 'Invoice 7',
    ...overrides,
  });
  /** The audit trail's calls of one caller to one route, as an audit team reads them. */
  const auditedCalls = (actor: string, action: string, count: number) => {
    const auditors = createGatewayClient({ baseUrl: gw.url, token: gw.token('audit-team', ['auditor']) });
    return eventually(
      async () => {
        const page = unwrap<{ data: AuditEvent[] }>(await auditors.api.GET('/v1/audit/events', { params: { query: { actor, action } } }));
        return page.data.length === count ? page.data : undefined;
      },
      10_000,
      `${count} audited calls of ${actor}`,
    );
  };

  beforeAll(async () => {
    gw = await startGateway({ sandbox: { accounts: 2 } });
    accounts = (await sandboxAccounts(gw.sandbox.baseUrl)).accountIds;
  });
  beforeEach(() => {
    waits = [];
  });
  afterEach(() => admin(gw.sandbox.url, 'DELETE', '/sandbox/faults'));
  afterAll(() => gw.close());

  it('a wire that meets a 429 then a 201: the caller gets the payment, QBank holds one, both attempts carried one key', async () => {
    // Longer than the gateway waits itself, so its caller gets the 429 and Retry-After.
    await armFault({ status: 429, count: 1, retry_after_seconds: 60, path_prefix: '/v1/payments/wire' });
    const payment = await service('sdk-wires').sendWire(wire());

    expect(payment).toMatchObject({
      type: 'WIRE',
      status: 'P_COMPLETED',
      amount: '310.00',
      idempotency_key: expect.stringMatching(UUID_V4),
    });
    expect(waits).toEqual([60_000]);
    const audited = await auditedCalls('sdk-wires', 'POST /v1/payments/wire', 2);
    expect(audited.map((e) => `${e.status} ${e.idempotency_key}`).sort()).toEqual([
      `201 ${payment.idempotency_key}`,
      `429 ${payment.idempotency_key}`,
    ]);
    // Behind the gateway: one payment, and the gateway's two attempts with its one upstream key.
    expect(await atQBank(payment.qbank_payment_id, '/v1/payments/wire')).toEqual({ payments: [expect.anything()], attempts: [429, 201] });
  });

  it('a wire that meets a 503 then succeeds: waited as Retry-After asked, one payment at QBank', async () => {
    await armFault({ status: 503, count: 10, retry_after_seconds: 1, path_prefix: '/v1/payments/wire' });
    const sdk = service('sdk-wires-503', {
      // QBank comes back while the caller waits.
      sleep: async (ms) => {
        waits.push(ms);
        await admin(gw.sandbox.url, 'DELETE', '/sandbox/faults');
      },
    });
    const payment = await sdk.sendWire(wire({ amount: '311.00' }));

    expect(payment).toMatchObject({ status: 'P_COMPLETED', amount: '311.00' });
    expect(waits).toEqual([1000]);
    const audited = await auditedCalls('sdk-wires-503', 'POST /v1/payments/wire', 2);
    expect(audited.map((e) => `${e.status} ${e.idempotency_key}`).sort()).toEqual([
      `201 ${payment.idempotency_key}`,
      `503 ${payment.idempotency_key}`,
    ]);
    const qbank = await atQBank(payment.qbank_payment_id, '/v1/payments/wire');
    expect(qbank.payments).toHaveLength(1);
    expect(qbank.attempts.at(-1)).toBe(201);
    expect(qbank.attempts.slice(0, -1).every((status) => status === 503)).toBe(true);
  });

  it('a validation error raises GatewayApiError naming the field, at once (a 400 is not retried)', async () => {
    const error = await service('sdk-wires')
      .sendWire(wire({ amount: '12.345' }))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GatewayApiError);
    expect(error).toMatchObject({
      status: 400,
      code: 'GW_VALIDATION',
      requestId: expect.any(String),
      idempotencyKey: expect.stringMatching(UUID_V4),
    });
    expect((error as GatewayApiError).message).toContain('amount');
    expect(waits).toEqual([]);
  });

  it('the same key again replays the payment; with another body it raises GatewayProblemError naming the payment', async () => {
    const sdk = service('sdk-wires');
    const idempotencyKey = randomUUID();
    const first = await sdk.sendWire(wire({ amount: '312.00' }), { idempotencyKey });
    const again = await sdk.sendWire(wire({ amount: '312.00' }), { idempotencyKey });
    expect(again.payment_id).toBe(first.payment_id);

    const error = await sdk.sendWire(wire({ amount: '313.00' }), { idempotencyKey }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayProblemError);
    expect(error).toMatchObject({
      status: 422,
      code: 'idempotency-key-reuse',
      transactionId: first.payment_id,
      idempotencyKey,
      requestId: expect.any(String),
    });
    expect((await atQBank(first.qbank_payment_id, '/v1/payments/wire')).payments).toHaveLength(1);
  });

  it('retries exhausted: the 429 with its Retry-After, and the key to try again with later', async () => {
    await armFault({ status: 429, count: 10, retry_after_seconds: 60, path_prefix: '/v1/transfers' });
    const transfer = { from_account_id: accounts[0]!, to_account_id: accounts[1]!, amount: '40.00', currency: 'USD' as const };
    const before = (await sandboxPayments()).length;
    const sdk = service('sdk-transfers', { retry: { maxAttempts: 3, maxDelayMs: 120_000 } });
    const error = await sdk.sendTransfer(transfer).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GatewayApiError);
    expect(error).toMatchObject({ status: 429, retryAfterSeconds: 60, idempotencyKey: expect.stringMatching(UUID_V4) });
    expect(waits).toEqual([60_000, 60_000]);
    expect((await sandboxPayments()).length).toBe(before);

    // The caller tries again with the payment's key. A Retry-After beyond what it waits is not cut short: the error comes at once.
    const { idempotencyKey } = error as GatewayApiError;
    const impatient = await service('sdk-transfers', { retry: { maxDelayMs: 30_000 } })
      .sendTransfer(transfer, { idempotencyKey })
      .catch((e: unknown) => e);
    expect(impatient).toMatchObject({ status: 429, retryAfterSeconds: 60, idempotencyKey });
    expect(waits).toEqual([60_000, 60_000]);

    // Later, the same key sends it, once.
    await admin(gw.sandbox.url, 'DELETE', '/sandbox/faults');
    const sent = await sdk.sendTransfer(transfer, { idempotencyKey });
    expect(sent).toMatchObject({ type: 'TRANSFER', status: 'P_COMPLETED', idempotency_key: idempotencyKey });
    expect((await atQBank(sent.qbank_payment_id, '/v1/transfers')).attempts).toEqual([429, 429, 429, 429, 201]);
  });

  it('an answer lost on the way back: the SDK re-sends with the same key and the gateway replays; QBank saw it once', async () => {
    let lost: Payment | undefined;
    const sdk = service('sdk-lossy', {
      // The network drops the first answer after the gateway acted on the request.
      fetch: async (request) => {
        const response = await fetch(request);
        if (lost) return response;
        lost = (await response.json()) as Payment;
        throw new TypeError('fetch failed: connection reset');
      },
    });
    const payment = await sdk.sendWire(wire({ amount: '314.00' }));

    expect(payment.payment_id).toBe(lost?.payment_id);
    expect(waits).toHaveLength(1);
    expect(await atQBank(payment.qbank_payment_id, '/v1/payments/wire')).toEqual({ payments: [expect.anything()], attempts: [201] });
  });
});
