import { randomUUID } from 'node:crypto';
import {
  QBankApiError,
  QBankIdempotencyConflictError,
  QBankIdempotencyMismatchError,
  QBankNetworkError,
  QBankTimeoutError,
  verifyWebhookSignature,
  type QBankClient,
} from '#qbank/client';
import type { WireRequest } from '#qbank/contract';
import { startSandbox, type RunningSandbox } from '#qbank/sandbox';
import { eventually, startCaptureServer } from './support/capture-server.js';
import { createClient } from './support/qbank-client.js';
import { admin, tokenRequests } from './support/sandbox-admin.js';

const wire = (debtor: string, accountNumber = '123456789'): WireRequest => ({
  debtor_account_id: debtor,
  amount: '1250.00',
  currency: 'USD',
  creditor: { name: 'Globex Corp', routing_number: '021000021', account_number: accountNumber },
  description: 'Invoice 42',
});

describe('QBank client against the sandbox (real HTTP)', () => {
  let sandbox: RunningSandbox;
  let client: QBankClient;
  let closeClient: () => Promise<void>;
  let accountId: string;

  beforeAll(async () => {
    sandbox = await startSandbox({
      port: 0,
      quiet: true,
      processingMs: 0,
      achSettleIntervalSeconds: 0,
      accounts: 3,
      transactionsPerAccount: 50,
    });
    ({ client, close: closeClient } = await createClient({
      baseUrl: sandbox.baseUrl,
      clientId: 'gateway',
      clientSecret: 'sandbox-secret',
      maxRetries: 2,
      retryBaseDelayMs: 10,
      maxRetryDelayMs: 50,
    }));
    const page = await client.listAccounts({ limit: 1 });
    accountId = page.data.data[0]!.account_id;
  });

  afterAll(async () => {
    await closeClient();
    await sandbox.close();
  });

  it('200 concurrent calls needing one scope set cause one token request; after expiry, exactly one more', async () => {
    await admin(sandbox.url, 'PUT', '/sandbox/settings', { token_ttl_seconds: 2 });
    const fresh = await createClient({ baseUrl: sandbox.baseUrl, clientId: 'gateway', clientSecret: 'sandbox-secret' });
    try {
      const before = await tokenRequests(sandbox.url);
      const first = await Promise.all(Array.from({ length: 200 }, () => fresh.client.getBalance(accountId)));
      expect(first).toHaveLength(200);
      expect(first.every((r) => r.status === 200 && r.data.account_id === accountId)).toBe(true);
      expect((await tokenRequests(sandbox.url)) - before).toBe(1);

      await new Promise((resolve) => setTimeout(resolve, 2100)); // the token's 2 s lifetime, past which it must be renewed
      const second = await Promise.all(Array.from({ length: 200 }, () => fresh.client.getBalance(accountId)));
      expect(second).toHaveLength(200);
      expect(second.every((r) => r.status === 200)).toBe(true);
      expect((await tokenRequests(sandbox.url)) - before).toBe(2);
    } finally {
      await fresh.close();
      await admin(sandbox.url, 'PUT', '/sandbox/settings', { token_ttl_seconds: 3600 });
    }
  });

  it('asks for tokens that carry only the scope of the call', async () => {
    const before = (await admin<{ data: { path: string }[] }>(sandbox.url, 'GET', '/sandbox/requests?path=/v1/token')).data.length;
    await client.listPositivePayExceptions({ limit: 1 });
    const after = (await admin<{ data: { path: string }[] }>(sandbox.url, 'GET', '/sandbox/requests?path=/v1/token')).data.length;
    expect(after - before).toBe(1);
    // the cached token for balances.read is not reused for another scope set
    expect(client.tokens.fetches).toBeGreaterThanOrEqual(2);
  });

  it('refreshes a token QBank no longer accepts (401) once, and the call succeeds', async () => {
    await client.getBalance(accountId);
    const before = await tokenRequests(sandbox.url);
    await admin(sandbox.url, 'POST', '/sandbox/tokens/revoke');
    const result = await client.getBalance(accountId);
    expect(result.status).toBe(200);
    expect((await tokenRequests(sandbox.url)) - before).toBe(1);
  });

  it('a token without the scope → the typed 403 error', async () => {
    const viewer = await createClient({ baseUrl: sandbox.baseUrl, clientId: 'viewer', clientSecret: 'viewer-secret' });
    try {
      const error = await viewer.client.createWire(wire(accountId), randomUUID()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QBankApiError);
      expect(error).toMatchObject({ status: 403, errorCode: 'ERR_AUTH_003' });
      expect((error as QBankApiError).requestId).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await viewer.close();
    }
  });

  it('wrong client credentials → the typed 401 error carrying QBank’s code', async () => {
    const wrong = await createClient({ baseUrl: sandbox.baseUrl, clientId: 'gateway', clientSecret: 'nope' });
    try {
      await expect(wrong.client.getBalance(accountId)).rejects.toMatchObject({ status: 401, errorCode: 'ERR_AUTH_001' });
    } finally {
      await wrong.close();
    }
  });

  it('maintenance → the typed 503 after bounded retries, honouring Retry-After', async () => {
    await client.getBalance(accountId); // token cached before maintenance starts
    await admin(sandbox.url, 'PUT', '/sandbox/settings', { maintenance_retry_after_seconds: 1 });
    await admin(sandbox.url, 'PUT', '/sandbox/maintenance', { enabled: true });
    const requestId = randomUUID();
    try {
      const error = await client.getBalance(accountId, { requestId }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QBankApiError);
      expect(error).toMatchObject({ status: 503, errorCode: 'ERR_SYS_503', retryAfterSeconds: 1, isMaintenance: true });
      const attempts = (
        await admin<{ data: { request_id: string }[] }>(sandbox.url, 'GET', `/sandbox/requests?path=/v1/balances/${accountId}`)
      ).data.filter((r) => r.request_id === requestId);
      expect(attempts).toHaveLength(3); // the first try and maxRetries = 2, all with the caller's request id
    } finally {
      await admin(sandbox.url, 'PUT', '/sandbox/maintenance', { enabled: false });
    }
  });

  describe('retries, against faults armed in the sandbox', () => {
    type Logged = { status: number; request_id: string; idempotency_key: string | null };
    const requests = async (path: string) => (await admin<{ data: Logged[] }>(sandbox.url, 'GET', `/sandbox/requests?path=${path}`)).data;
    const arm = (fault: Record<string, unknown>) => admin(sandbox.url, 'PUT', '/sandbox/faults', fault);
    afterEach(() => admin(sandbox.url, 'DELETE', '/sandbox/faults'));

    it('a POST answered 429 with a Retry-After within the cap is re-sent with its key after that wait, and QBank creates it once', async () => {
      const patient = await createClient({
        baseUrl: sandbox.baseUrl,
        clientId: 'gateway',
        clientSecret: 'sandbox-secret',
        maxRetries: 2,
        retryBaseDelayMs: 10,
        maxRetryDelayMs: 2000,
      });
      try {
        await patient.client.createWire(wire(accountId), randomUUID()); // the token is cached before the fault is armed
        await arm({ status: 429, count: 1, retry_after_seconds: 1, method: 'POST', path_prefix: '/v1/payments/wire' });
        const key = randomUUID();
        const started = Date.now();
        const result = await patient.client.createWire(wire(accountId), key);
        expect(Date.now() - started).toBeGreaterThanOrEqual(950);
        expect(result).toMatchObject({ status: 201, replayed: false });
        expect((await requests('/v1/payments/wire')).filter((r) => r.idempotency_key === key).map((r) => r.status)).toEqual([429, 201]);
        const payments = await admin<{ data: { idempotency_key: string }[] }>(sandbox.url, 'GET', '/sandbox/payments');
        expect(payments.data.filter((p) => p.idempotency_key === key)).toHaveLength(1);
      } finally {
        await patient.close();
      }
    });

    it('429 without Retry-After and 502/504 are retried with back-off', async () => {
      await client.getBalance(accountId);
      for (const status of [429, 502, 504]) {
        await arm({ status, count: 2, method: 'GET', path_prefix: '/v1/balances/' });
        const requestId = randomUUID();
        await expect(client.getBalance(accountId, { requestId })).resolves.toMatchObject({ status: 200 });
        const attempts = (await requests(`/v1/balances/${accountId}`)).filter((r) => r.request_id === requestId);
        expect(attempts.map((r) => r.status)).toEqual([status, status, 200]);
      }
    });

    it('429 with a Retry-After beyond the cap → the typed 429 at once, carrying retryAfterSeconds', async () => {
      await client.getBalance(accountId);
      await arm({ status: 429, count: 3, retry_after_seconds: 30, method: 'GET', path_prefix: '/v1/balances/' });
      const requestId = randomUUID();
      const error = await client.getBalance(accountId, { requestId }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QBankApiError);
      expect(error).toMatchObject({ status: 429, errorCode: 'ERR_RATE_001', retryAfterSeconds: 30 });
      expect((await requests(`/v1/balances/${accountId}`)).filter((r) => r.request_id === requestId)).toHaveLength(1);
      expect(await admin(sandbox.url, 'GET', '/sandbox/faults')).toMatchObject({ fault: { remaining: 2 } });
    });

    it('a token request answered 503 once is retried, and the call succeeds', async () => {
      const fresh = await createClient({
        baseUrl: sandbox.baseUrl,
        clientId: 'gateway',
        clientSecret: 'sandbox-secret',
        retryBaseDelayMs: 10,
      });
      try {
        const before = (await requests('/v1/token')).length;
        await arm({ status: 503, count: 1, method: 'POST', path_prefix: '/v1/token' });
        await expect(fresh.client.getBalance(accountId)).resolves.toMatchObject({ status: 200 });
        expect((await requests('/v1/token')).slice(before).map((r) => r.status)).toEqual([503, 200]);
      } finally {
        await fresh.close();
      }
    });

    it('a token request that fails after its own retries ends the call: the call does not retry it again', async () => {
      const fresh = await createClient({
        baseUrl: sandbox.baseUrl,
        clientId: 'gateway',
        clientSecret: 'sandbox-secret',
        maxRetries: 1,
        retryBaseDelayMs: 10,
      });
      try {
        const before = (await requests('/v1/token')).length;
        await arm({ status: 502, count: 10, method: 'POST', path_prefix: '/v1/token' });
        await expect(fresh.client.getBalance(accountId)).rejects.toMatchObject({ status: 502, errorCode: 'ERR_SYS_502' });
        expect((await requests('/v1/token')).slice(before).map((r) => r.status)).toEqual([502, 502]);
      } finally {
        await fresh.close();
      }
    });
  });

  it('a duplicate key while the wire is processing → the typed conflict error with transaction_id; afterwards the original again', async () => {
    await admin(sandbox.url, 'PUT', '/sandbox/settings', { processing_ms: 800 });
    try {
      const key = randomUUID();
      const original = client.createWire(wire(accountId), key);
      await eventually(
        async () =>
          (await admin<{ data: { idempotency_key: string; status: string }[] }>(sandbox.url, 'GET', '/sandbox/payments')).data.find(
            (p) => p.idempotency_key === key && p.status === 'P_PROCESSING',
          ),
        5000,
        'the original wire processing at QBank',
      );
      const conflict = await client.createWire(wire(accountId), key).catch((e: unknown) => e);
      expect(conflict).toBeInstanceOf(QBankIdempotencyConflictError);
      const first = await original;
      expect(first.status).toBe(201);
      expect((conflict as QBankIdempotencyConflictError).transactionId).toBe(first.data.payment_id);

      const replay = await client.createWire(wire(accountId), key);
      expect(replay).toMatchObject({ status: 201, replayed: true });
      expect(replay.data).toEqual(first.data);

      const mismatch = await client.createWire({ ...wire(accountId), amount: '99.00' }, key).catch((e: unknown) => e);
      expect(mismatch).toBeInstanceOf(QBankIdempotencyMismatchError);
      expect((mismatch as QBankIdempotencyMismatchError).transactionId).toBe(first.data.payment_id);

      const payments = await admin<{ data: { idempotency_key: string }[] }>(sandbox.url, 'GET', '/sandbox/payments');
      expect(payments.data.filter((p) => p.idempotency_key === key)).toHaveLength(1);
    } finally {
      await admin(sandbox.url, 'PUT', '/sandbox/settings', { processing_ms: 0 });
    }
  });

  it('pages through 10,000 transactions, each exactly once, in order', async () => {
    const own = await startSandbox({ port: 0, quiet: true, accounts: 1, transactionsPerAccount: 10_000, achSettleIntervalSeconds: 0 });
    const paging = await createClient({ baseUrl: own.baseUrl, clientId: 'gateway', clientSecret: 'sandbox-secret' });
    try {
      const account = (await paging.client.listAccounts()).data.data[0]!.account_id;
      const ids: string[] = [];
      const postings: string[] = [];
      let pages = 0;
      for await (const page of paging.client.iterateTransactions({ account_id: account, limit: 1000 })) {
        pages += 1;
        for (const t of page.data) {
          ids.push(t.transaction_id);
          postings.push(t.posting_date);
        }
      }
      expect(pages).toBe(10);
      expect(ids).toHaveLength(10_000);
      expect(new Set(ids).size).toBe(10_000);
      expect(postings).toHaveLength(10_000);
      expect(postings.every((p, i) => i === 0 || p > postings[i - 1]!)).toBe(true);

      // the incremental filter starts exactly at the watermark
      const since = postings[7_500]!;
      let count = 0;
      for await (const page of paging.client.iterateTransactions({ account_id: account, posted_since: since, limit: 1000 }))
        count += page.data.length;
      expect(count).toBe(2_500);
    } finally {
      await paging.close();
      await own.close();
    }
  });

  it('a webhook captured from the sandbox verifies; a changed byte, a stale timestamp or a wrong secret does not', async () => {
    const receiver = await startCaptureServer();
    const secret = 'whsec_test_' + randomUUID();
    await admin(sandbox.url, 'PUT', '/sandbox/settings', { webhook_url: `${receiver.url}/webhooks`, webhook_secret: secret });
    try {
      const payment = await client.createWire(wire(accountId, '987650000'), randomUUID());
      expect(payment.data.status).toBe('P_FAILED');
      const delivery = await eventually(() => receiver.requests.find((r) => r.rawBody.includes(payment.data.payment_id)), 5000, 'webhook');
      const header = delivery.headers['webhook-signature'] as string;
      expect(delivery.headers['webhook-event-id']).toMatch(/^[0-9a-f-]{36}$/);
      const event = JSON.parse(delivery.rawBody.toString('utf8')) as { event_type: string; data: { payment: { status: string } } };
      expect(event).toMatchObject({ event_type: 'paymentStatusUpdate', data: { payment: { status: 'P_FAILED' } } });

      expect(verifyWebhookSignature({ rawBody: delivery.rawBody, header, secrets: [secret] }).valid).toBe(true);
      const changed = Buffer.from(delivery.rawBody);
      changed[changed.length - 2] = changed[changed.length - 2]! ^ 0x01;
      expect(verifyWebhookSignature({ rawBody: changed, header, secrets: [secret] })).toEqual({ valid: false, reason: 'mismatch' });
      expect(
        verifyWebhookSignature({ rawBody: delivery.rawBody, header, secrets: [secret], nowSeconds: Math.floor(Date.now() / 1000) + 400 }),
      ).toEqual({
        valid: false,
        reason: 'stale',
      });
      expect(verifyWebhookSignature({ rawBody: delivery.rawBody, header, secrets: ['another-secret'] })).toEqual({
        valid: false,
        reason: 'mismatch',
      });
    } finally {
      await admin(sandbox.url, 'PUT', '/sandbox/settings', { webhook_url: null });
      await receiver.close();
    }
  });

  it('an unknown account → the typed 404 error with QBank’s code and request id', async () => {
    const error = await client.getBalance(randomUUID()).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 404, errorCode: 'ERR_ACC_001' });
    expect((error as QBankApiError).requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends the caller’s X-Request-ID to QBank', async () => {
    const requestId = randomUUID();
    const result = await client.getBalance(accountId, { requestId });
    expect(result.requestId).toBe(requestId);
    expect(result.data.request_id).toBe(requestId);
  });

  it('a call slower than its timeout → the typed timeout error', async () => {
    await client.getBalance(accountId); // the token is cached, so only the balance call is slowed down
    await admin(sandbox.url, 'PUT', '/sandbox/settings', { latency_ms: 3000 });
    try {
      // undici enforces timeouts on a coarse clock (no timer per call), so the margin is wide
      await expect(client.getBalance(accountId, { timeoutMs: 500 })).rejects.toBeInstanceOf(QBankTimeoutError);
    } finally {
      await admin(sandbox.url, 'PUT', '/sandbox/settings', { latency_ms: 0 });
    }
  });

  describe('answers that are not QBank’s format still give typed errors', () => {
    it('an HTML 502 and an empty 500 from a broken upstream', async () => {
      let calls = 0;
      const broken = await startCaptureServer((request) => {
        if (request.url.endsWith('/token')) {
          return {
            status: 200,
            body: JSON.stringify({ access_token: 'x', token_type: 'Bearer', expires_in: 60, scope: '' }),
            headers: { 'content-type': 'application/json' },
          };
        }
        calls += 1;
        return request.url.includes('balances')
          ? { status: 502, body: '<html>Bad Gateway</html>', headers: { 'content-type': 'text/html' } }
          : { status: 500 };
      });
      const odd = await createClient({
        baseUrl: `${broken.url}/v1`,
        clientId: 'gateway',
        clientSecret: 's',
        maxRetries: 1,
        retryBaseDelayMs: 1,
      });
      try {
        await expect(odd.client.getBalance(accountId)).rejects.toMatchObject({ status: 502, errorCode: 'HTTP_502' });
        expect(calls).toBe(2); // retried once
        await expect(odd.client.getPayment(randomUUID())).rejects.toMatchObject({ status: 500, errorCode: 'HTTP_500' });
      } finally {
        await odd.close();
        await broken.close();
      }
    });

    it('nothing listening → the typed network error after bounded retries', async () => {
      const closed = await startCaptureServer();
      const url = closed.url;
      await closed.close();
      const nowhere = await createClient({
        baseUrl: `${url}/v1`,
        clientId: 'gateway',
        clientSecret: 's',
        maxRetries: 1,
        retryBaseDelayMs: 1,
      });
      try {
        await expect(nowhere.client.getBalance(accountId)).rejects.toBeInstanceOf(QBankNetworkError);
      } finally {
        await nowhere.close();
      }
    });
  });
});
