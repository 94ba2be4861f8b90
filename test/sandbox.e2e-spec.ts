import { randomUUID } from 'node:crypto';
import { SchemaValidator, startSandbox, type RunningSandbox } from '#qbank/sandbox';
import { eventually, startCaptureServer } from './support/capture-server.js';
import { admin } from './support/sandbox-admin.js';

const validator = new SchemaValidator();

/** The response's body must match the OpenAPI schema of that answer. */
function expectSchema(schema: string, body: unknown): void {
  expect(validator.check(schema, body)).toEqual([]);
}

describe('QBank sandbox (real HTTP)', () => {
  let sandbox: RunningSandbox;
  let token: string;
  let accounts: { account_id: string; account_type: string }[];

  const api = async (
    method: string,
    path: string,
    init: { body?: unknown; headers?: Record<string, string>; rawBody?: string; bearer?: string } = {},
  ) => {
    const headers: Record<string, string> = { authorization: `Bearer ${init.bearer ?? token}`, ...init.headers };
    if (init.body !== undefined || init.rawBody !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${sandbox.baseUrl}${path}`, {
      method,
      headers,
      body: init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, any>) : null };
  };
  const tokenFor = async (form: Record<string, string>, basic?: string) =>
    fetch(`${sandbox.baseUrl}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(basic ? { authorization: `Basic ${Buffer.from(basic).toString('base64')}` } : {}),
      },
      body: new URLSearchParams(form).toString(),
    });
  const wireBody = (accountNumber = '123456789') => ({
    debtor_account_id: accounts[0]!.account_id,
    amount: '10.00',
    currency: 'USD',
    creditor: { name: 'Initech', routing_number: '021000021', account_number: accountNumber },
  });

  beforeAll(async () => {
    sandbox = await startSandbox({
      port: 0,
      quiet: true,
      processingMs: 0,
      achSettleIntervalSeconds: 0,
      accounts: 4,
      transactionsPerAccount: 400,
      seed: 7,
    });
    const answer = (await (await tokenFor({ grant_type: 'client_credentials' }, 'gateway:sandbox-secret')).json()) as {
      access_token: string;
    };
    token = answer.access_token;
    accounts = (await api('GET', '/accounts')).body!.data as { account_id: string; account_type: string }[];
  });
  afterAll(() => sandbox.close());

  describe('POST /v1/token', () => {
    it('accepts HTTP Basic and form credentials, and answers per the OpenAPI document', async () => {
      const basic = await tokenFor({ grant_type: 'client_credentials', scope: 'balances.read' }, 'gateway:sandbox-secret');
      expect(basic.status).toBe(200);
      expect(basic.headers.get('cache-control')).toBe('no-store');
      const body = await basic.json();
      expectSchema('TokenResponse', body);
      expect(body).toMatchObject({ token_type: 'Bearer', scope: 'balances.read', expires_in: 3600 });
      const form = await tokenFor({ grant_type: 'client_credentials', client_id: 'gateway', client_secret: 'sandbox-secret' });
      expect(form.status).toBe(200);
    });

    it('refuses a wrong secret (401) and an unknown scope (400) in both error formats at once', async () => {
      const wrong = await tokenFor({ grant_type: 'client_credentials' }, 'gateway:wrong');
      expect(wrong.status).toBe(401);
      const wrongBody = await wrong.json();
      expectSchema('TokenError', wrongBody);
      expect(wrongBody).toMatchObject({ error: 'invalid_client', error_code: 'ERR_AUTH_001' });
      const unknown = await tokenFor({ grant_type: 'client_credentials', scope: 'payments.everything' }, 'gateway:sandbox-secret');
      expect(unknown.status).toBe(400);
      expect(await unknown.json()).toMatchObject({ error: 'invalid_scope', error_code: 'ERR_AUTH_004' });
      const grant = await tokenFor({ grant_type: 'password' }, 'gateway:sandbox-secret');
      expect(await grant.json()).toMatchObject({ error: 'unsupported_grant_type' });
    });

    it('leaves out scopes the client is not granted; using the token for them → 403', async () => {
      const response = await tokenFor(
        { grant_type: 'client_credentials', scope: 'balances.read payments.wire.write' },
        'viewer:viewer-secret',
      );
      const answer = (await response.json()) as { scope: string; access_token: string };
      expect(answer.scope).toBe('balances.read');
      const refused = await api('POST', '/payments/wire', {
        bearer: answer.access_token,
        body: wireBody(),
        headers: { 'idempotency-key': randomUUID() },
      });
      expect(refused.status).toBe(403);
      expectSchema('Error', refused.body);
      expect(refused.body).toMatchObject({ error_code: 'ERR_AUTH_003' });
    });

    it('an invalid or expired token → 401 with WWW-Authenticate', async () => {
      const invalid = await api('GET', '/accounts', { bearer: 'not-a-token' });
      expect(invalid.status).toBe(401);
      expect(invalid.headers.get('www-authenticate')).toContain('Bearer');
      expect(invalid.body).toMatchObject({ error_code: 'ERR_AUTH_002' });
      await admin(sandbox.url, 'PUT', '/sandbox/settings', { token_ttl_seconds: 1 });
      const short = (await (await tokenFor({ grant_type: 'client_credentials' }, 'gateway:sandbox-secret')).json()) as {
        access_token: string;
        expires_in: number;
      };
      await admin(sandbox.url, 'PUT', '/sandbox/settings', { token_ttl_seconds: 3600 });
      expect(short.expires_in).toBe(1);
      expect((await api('GET', '/accounts', { bearer: short.access_token })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1100)); // past the token's 1 s lifetime: its expiry is under test
      expect((await api('GET', '/accounts', { bearer: short.access_token })).status).toBe(401);
    });
  });

  describe('resources', () => {
    it('accounts, balances, exceptions and errors match the OpenAPI document', async () => {
      const page = await api('GET', '/accounts?limit=2');
      expectSchema('AccountPage', page.body);
      expect(page.body!.data).toHaveLength(2);
      const rest = await api('GET', `/accounts?cursor=${page.body!.next_cursor as string}`);
      expect(rest.body!.data).toHaveLength(2);
      expect(rest.body!.next_cursor).toBeNull();
      expect(new Set(accounts.map((a) => a.account_type)).size).toBeGreaterThan(1);

      const balance = await api('GET', `/balances/${accounts[1]!.account_id}`);
      expectSchema('Balance', balance.body);

      const exceptions = await api('GET', `/positivepay/exceptions?account_id=${accounts[0]!.account_id}`);
      expectSchema('PositivePayExceptionPage', exceptions.body);
      expect(exceptions.body!.data.length).toBeGreaterThan(0);

      const missing = await api('GET', `/balances/${randomUUID()}`);
      expect(missing.status).toBe(404);
      expectSchema('Error', missing.body);
      expect(missing.body).toMatchObject({ error_code: 'ERR_ACC_001', request_id: missing.headers.get('x-request-id') });
      const route = await api('GET', '/nothing-here');
      expect(route).toMatchObject({ status: 404, body: { error_code: 'ERR_NOT_FOUND' } });
    });

    it('transactions have bank-like dates: postings at end of day on business days, value dates on business days, some back-valued', async () => {
      const page = await api('GET', `/transactions?account_id=${accounts[0]!.account_id}&limit=400`);
      expectSchema('TransactionPage', page.body);
      const rows = page.body!.data as { posting_date: string; value_date: string; transaction_date: string }[];
      expect(rows).toHaveLength(400);
      const weekday = (date: string) => new Date(`${date.slice(0, 10)}T00:00:00Z`).getUTCDay();
      for (const row of rows) {
        expect(row.posting_date.slice(11, 13)).toBe('22'); // the end-of-day run
        expect([0, 6]).not.toContain(weekday(row.posting_date));
        expect([0, 6]).not.toContain(weekday(row.value_date));
        expect(row.value_date <= row.posting_date.slice(0, 10)).toBe(true);
        expect(row.transaction_date <= row.posting_date).toBe(true);
      }
      expect(rows.some((r) => r.value_date < r.posting_date.slice(0, 10))).toBe(true); // back-valued
      expect(rows.some((r) => [0, 6].includes(weekday(r.transaction_date)))).toBe(true); // initiated on a weekend

      const again = await api('GET', `/transactions?account_id=${accounts[0]!.account_id}&limit=400`);
      expect(again.body!.data.map((t: { transaction_id: string }) => t.transaction_id)).toEqual(
        rows.map((t) => (t as unknown as { transaction_id: string }).transaction_id),
      );
    });

    it('refuses bad query parameters with 400 naming them', async () => {
      expect((await api('GET', '/transactions')).body).toMatchObject({
        error_code: 'ERR_VAL_001',
        message: expect.stringContaining('account_id'),
      });
      expect((await api('GET', `/transactions?account_id=${accounts[0]!.account_id}&limit=5000`)).body!.message).toContain('limit');
      expect((await api('GET', `/transactions?account_id=${accounts[0]!.account_id}&posted_since=yesterday`)).body!.message).toContain(
        'posted_since',
      );
      expect((await api('GET', '/accounts?cursor=garbage')).body!.message).toContain('cursor');
      expect((await api('GET', '/balances/not-a-uuid')).status).toBe(400);
    });

    it('a million seeded transactions are derived on demand, not held in memory', async () => {
      global.gc?.();
      const before = process.memoryUsage().heapUsed;
      await admin(sandbox.url, 'POST', '/sandbox/seed', { accounts: 1, transactions_per_account: 1_000_000, seed: 7 });
      const account = (await api('GET', '/accounts')).body!.data[0].account_id as string;
      const first = await api('GET', `/transactions?account_id=${account}&limit=1000`);
      expect(first.body!.data).toHaveLength(1000);
      const last = await api('GET', `/transactions?account_id=${account}&posted_since=${encodeURIComponent('2100-01-01T00:00:00.000Z')}`);
      expect(last.body!.data).toHaveLength(0);
      const growth = process.memoryUsage().heapUsed - before;
      expect(growth).toBeLessThan(64 * 1024 * 1024);
      await admin(sandbox.url, 'POST', '/sandbox/seed', { accounts: 4, transactions_per_account: 400, seed: 7 });
      expect((await api('GET', '/accounts')).body!.data.map((a: { account_id: string }) => a.account_id)).toEqual(
        accounts.map((a) => a.account_id),
      );
    });
  });

  describe('payments', () => {
    it('bad input → 400 in the standard format: malformed JSON, unknown fields, wrong types, bad keys', async () => {
      const key = { 'idempotency-key': randomUUID() };
      const malformed = await api('POST', '/payments/wire', { rawBody: '{"amount": ', headers: key });
      expect(malformed).toMatchObject({ status: 400, body: { error_code: 'ERR_VAL_001' } });
      const unknown = await api('POST', '/payments/wire', { body: { ...wireBody(), urgent: true }, headers: key });
      expect(unknown.body!.message).toContain('urgent');
      const number = await api('POST', '/payments/wire', { body: { ...wireBody(), amount: 10 }, headers: key });
      expect(number).toMatchObject({ status: 400, body: { message: expect.stringContaining('amount') } });
      const noKey = await api('POST', '/payments/wire', { body: wireBody() });
      expect(noKey).toMatchObject({ status: 400, body: { error_code: 'ERR_IDEM_001' } });
      const badKey = await api('POST', '/payments/wire', { body: wireBody(), headers: { 'idempotency-key': 'abc' } });
      expect(badKey).toMatchObject({ status: 400, body: { error_code: 'ERR_IDEM_001' } });
      const v1Key = await api('POST', '/payments/wire', {
        body: wireBody(),
        headers: { 'idempotency-key': 'a8098c1a-f86e-11da-bd1a-00112444be1e' },
      });
      expect(v1Key.status).toBe(400);
      const sameAccount = await api('POST', '/transfers', {
        body: { from_account_id: accounts[0]!.account_id, to_account_id: accounts[0]!.account_id, amount: '1.00', currency: 'USD' },
        headers: { 'idempotency-key': randomUUID() },
      });
      expect(sameAccount.body!.message).toContain('to_account_id');
      const payments = await admin<{ data: unknown[] }>(sandbox.url, 'GET', '/sandbox/payments');
      expect(payments.data).toHaveLength(0);
    });

    it('wires complete, or fail at once for a creditor account ending in 0000; transfers move funds between accounts', async () => {
      const ok = await api('POST', '/payments/wire', { body: wireBody(), headers: { 'idempotency-key': randomUUID() } });
      expect(ok.status).toBe(201);
      expectSchema('Payment', ok.body);
      expect(ok.body).toMatchObject({ type: 'WIRE', status: 'P_COMPLETED', creditor: { account_number: '*****6789' } });
      expect(ok.body!.status_history.map((h: { status: string }) => h.status)).toEqual(['P_PENDING', 'P_PROCESSING', 'P_COMPLETED']);
      const failed = await api('POST', '/payments/wire', { body: wireBody('55550000'), headers: { 'idempotency-key': randomUUID() } });
      expect(failed.body).toMatchObject({ status: 'P_FAILED', failure_reason: expect.any(String) });

      const [from, to] = accounts;
      const before = await api('GET', `/balances/${to!.account_id}`);
      const transfer = await api('POST', '/transfers', {
        body: { from_account_id: from!.account_id, to_account_id: to!.account_id, amount: '250.75', currency: 'USD', description: 'sweep' },
        headers: { 'idempotency-key': randomUUID() },
      });
      expect(transfer).toMatchObject({ status: 201, body: { type: 'TRANSFER', status: 'P_COMPLETED', to_account_id: to!.account_id } });
      const after = await api('GET', `/balances/${to!.account_id}`);
      const cents = (s: string) => BigInt(s.replace('.', ''));
      expect(cents(after.body!.ledger_balance as string) - cents(before.body!.ledger_balance as string)).toBe(25075n);
      const polled = await api('GET', `/payments/${transfer.body!.payment_id as string}`);
      expect(polled.body).toMatchObject({ payment_id: transfer.body!.payment_id, status: 'P_COMPLETED' });
    });

    it('ACH: accepted P_PENDING, settled by the batch run, the 0000 entry failed, one webhook per final status', async () => {
      const receiver = await startCaptureServer();
      await admin(sandbox.url, 'PUT', '/sandbox/settings', { webhook_url: receiver.url });
      try {
        const key = randomUUID();
        const entries = ['111122223333', '444455556666', '777700000000'].map((n, i) => ({
          amount: `${i + 1}.50`,
          creditor: { name: `Payee ${i}`, routing_number: '011000015', account_number: n, account_type: 'CHECKING' },
          description: 'PAYROLL',
        }));
        const accepted = await api('POST', '/payments/ach', {
          body: { debtor_account_id: accounts[0]!.account_id, sec_code: 'PPD', payments: entries },
          headers: { 'idempotency-key': key },
        });
        expect(accepted.status).toBe(202);
        expectSchema('AchBatch', accepted.body);
        expect(accepted.body!.payments.map((p: { status: string }) => p.status)).toEqual(['P_PENDING', 'P_PENDING', 'P_PENDING']);

        const byBatch = await api('GET', `/payments/${accepted.body!.batch_id as string}`);
        expect(byBatch.body).toMatchObject({ type: 'ACH_BATCH', status: 'P_PENDING' });

        expect(await admin(sandbox.url, 'POST', '/sandbox/ach/settle')).toMatchObject({ settled_payments: 3 });
        const settled = await api('GET', `/payments/${accepted.body!.batch_id as string}`);
        expect(settled.body!.payments.map((p: { status: string }) => p.status)).toEqual(['P_COMPLETED', 'P_COMPLETED', 'P_FAILED']);
        expect(settled.body!.payments[2].failure_reason).toMatch(/^R03/);

        await eventually(() => (receiver.requests.length >= 3 ? true : undefined), 5000, 'three webhooks');
        // Nothing left to deliver, so no duplicate can still arrive after these three.
        await eventually(
          async () =>
            (await admin<{ webhooks_pending: number }>(sandbox.url, 'GET', '/sandbox/stats')).webhooks_pending === 0 ? true : undefined,
          5000,
          'no webhook left to deliver',
        );
        const events = receiver.requests.map(
          (r) => JSON.parse(r.rawBody.toString()) as { data: { payment: { payment_id: string; status: string } } },
        );
        expect(events.map((e) => e.data.payment.status).sort()).toEqual(['P_COMPLETED', 'P_COMPLETED', 'P_FAILED']);
        expect(new Set(events.map((e) => e.data.payment.payment_id)).size).toBe(3);
        expect(await admin(sandbox.url, 'POST', '/sandbox/ach/settle')).toMatchObject({ settled_payments: 0 });

        const listed = await admin<{ data: { batch_id: string | null; idempotency_key: string }[] }>(
          sandbox.url,
          'GET',
          '/sandbox/payments',
        );
        const ofBatch = listed.data.filter((p) => p.batch_id === accepted.body!.batch_id);
        expect(ofBatch).toHaveLength(3);
        expect(ofBatch.every((p) => p.idempotency_key === key)).toBe(true);
      } finally {
        await admin(sandbox.url, 'PUT', '/sandbox/settings', { webhook_url: null });
        await receiver.close();
      }
    });

    it('webhook deliveries are retried with back-off until acknowledged, each attempt signed afresh', async () => {
      let refusals = 2;
      const receiver = await startCaptureServer(() => (refusals-- > 0 ? { status: 500 } : { status: 200 }));
      const base = sandbox.settings.webhookRetryBaseMs;
      sandbox.settings.webhookRetryBaseMs = 50;
      await admin(sandbox.url, 'PUT', '/sandbox/settings', { webhook_url: receiver.url });
      try {
        const wire = await api('POST', '/payments/wire', { body: wireBody(), headers: { 'idempotency-key': randomUUID() } });
        await eventually(() => (receiver.requests.length >= 3 ? true : undefined), 5000, 'three attempts');
        const attempts = receiver.requests.filter((r) => r.rawBody.includes(wire.body!.payment_id as string));
        expect(attempts).toHaveLength(3);
        expect(new Set(attempts.map((a) => a.headers['webhook-event-id'])).size).toBe(3);
        const deliveries = await admin<{ data: { payment_id: string; delivered: boolean; attempts: number }[] }>(
          sandbox.url,
          'GET',
          '/sandbox/webhooks',
        );
        expect(deliveries.data.find((d) => d.payment_id === wire.body!.payment_id)).toMatchObject({ delivered: true, attempts: 3 });
      } finally {
        sandbox.settings.webhookRetryBaseMs = base;
        await admin(sandbox.url, 'PUT', '/sandbox/settings', { webhook_url: null });
        await receiver.close();
      }
    });

    it('end of day posts settled payments as transactions carrying their payment id, and new activity', async () => {
      const account = accounts[2]!.account_id;
      const wire = await api('POST', '/payments/wire', {
        body: { ...wireBody(), debtor_account_id: account },
        headers: { 'idempotency-key': randomUUID() },
      });
      const before = await api('GET', `/transactions?account_id=${account}&limit=1000`);
      const eod = await admin(sandbox.url, 'POST', '/sandbox/eod', { transactions_per_account: 2 });
      expect(eod).toMatchObject({ new_transactions: 8 });
      const lastPosting = (before.body!.data as { posting_date: string }[]).at(-1)!.posting_date;
      const fresh = await api('GET', `/transactions?account_id=${account}&posted_since=${encodeURIComponent(lastPosting)}`);
      const added = (fresh.body!.data as { payment_id: string | null; posting_date: string }[]).filter((t) => t.posting_date > lastPosting);
      expect(added).toHaveLength(3);
      expect(added.filter((t) => t.payment_id === wire.body!.payment_id)).toHaveLength(1);
      expectSchema('TransactionPage', fresh.body);
    });

    it('Positive Pay: issues are received, then processed by the batch run; duplicates and voids are handled', async () => {
      const account = accounts[1]!.account_id;
      const checks = [
        { check_number: '10001', amount: '120.00', payee_name: 'Acme', issue_date: '2026-11-20' },
        { check_number: '10002', amount: '75.10', payee_name: 'Globex', issue_date: '2026-11-20', void: true },
      ];
      const received = await api('POST', '/positivepay/issues', {
        body: { account_id: account, checks },
        headers: { 'idempotency-key': randomUUID() },
      });
      expect(received.status).toBe(202);
      expectSchema('PositivePayIssue', received.body);
      expect(received.body).toMatchObject({ status: 'RECEIVED' });
      const duplicate = await api('POST', '/positivepay/issues', {
        body: { account_id: account, checks: [checks[0]] },
        headers: { 'idempotency-key': randomUUID() },
      });
      await admin(sandbox.url, 'POST', '/sandbox/ach/settle');
      const processed = await api('GET', `/positivepay/issues/${received.body!.issue_id as string}`);
      expect(processed.body).toMatchObject({ status: 'PROCESSED', checks: [{ status: 'ACCEPTED' }, { status: 'ACCEPTED' }] });
      const rejected = await api('GET', `/positivepay/issues/${duplicate.body!.issue_id as string}`);
      expect(rejected.body).toMatchObject({ checks: [{ status: 'REJECTED', reason: 'DUPLICATE_CHECK_NUMBER' }] });
      await admin(sandbox.url, 'POST', '/sandbox/eod', { transactions_per_account: 0 });
      const exceptions = await api('GET', `/positivepay/exceptions?account_id=${account}&status=PENDING_DECISION&limit=1000`);
      expect(exceptions.body!.data).toContainEqual(expect.objectContaining({ check_number: '10002', reason: 'VOIDED' }));
    });
  });

  it('maintenance: every QBank route answers 503 with Retry-After, then recovers', async () => {
    await admin(sandbox.url, 'PUT', '/sandbox/maintenance', { enabled: true });
    try {
      for (const path of ['/accounts', `/balances/${accounts[0]!.account_id}`, '/token']) {
        const answer = await api(path === '/token' ? 'POST' : 'GET', path);
        expect(answer.status).toBe(503);
        expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
        expectSchema('Error', answer.body);
        expect(answer.body).toMatchObject({ error_code: 'ERR_SYS_503' });
      }
    } finally {
      await admin(sandbox.url, 'PUT', '/sandbox/maintenance', { enabled: false });
    }
    expect((await api('GET', '/accounts')).status).toBe(200);
  });

  describe('faults (PUT /sandbox/faults)', () => {
    afterEach(() => admin(sandbox.url, 'DELETE', '/sandbox/faults'));

    it('answers its count of matching requests with the error and Retry-After, before acting on them, then stops', async () => {
      const armed = await admin(sandbox.url, 'PUT', '/sandbox/faults', {
        status: 429,
        count: 2,
        retry_after_seconds: 1,
        method: 'POST',
        path_prefix: '/v1/payments',
      });
      expect(armed).toEqual({
        fault: { status: 429, count: 2, remaining: 2, retry_after_seconds: 1, method: 'POST', path_prefix: '/v1/payments' },
      });
      expect((await api('GET', `/payments/${randomUUID()}`)).status).toBe(404); // another method
      expect((await api('POST', '/transfers', { body: {}, headers: { 'idempotency-key': randomUUID() } })).status).toBe(400); // another path

      const key = randomUUID();
      for (const _ of [1, 2]) {
        const refused = await api('POST', '/payments/wire', { body: wireBody(), headers: { 'idempotency-key': key } });
        expect(refused.status).toBe(429);
        expect(refused.headers.get('retry-after')).toBe('1');
        expectSchema('Error', refused.body);
        expect(refused.body).toMatchObject({ error_code: 'ERR_RATE_001', request_id: refused.headers.get('x-request-id') });
      }
      expect(await admin(sandbox.url, 'GET', '/sandbox/faults')).toMatchObject({ fault: { remaining: 0 } });
      const payments = await admin<{ data: { idempotency_key: string }[] }>(sandbox.url, 'GET', '/sandbox/payments');
      expect(payments.data.filter((p) => p.idempotency_key === key)).toHaveLength(0);

      // the faulted requests took no idempotency record: the same key now creates the payment, once
      const accepted = await api('POST', '/payments/wire', { body: wireBody(), headers: { 'idempotency-key': key } });
      expect(accepted.status).toBe(201);
      expect(accepted.headers.get('idempotent-replayed')).toBeNull();
      const after = await admin<{ data: { idempotency_key: string }[] }>(sandbox.url, 'GET', '/sandbox/payments');
      expect(after.data.filter((p) => p.idempotency_key === key)).toHaveLength(1);
      const log = await admin<{ data: { idempotency_key: string | null; status: number }[] }>(
        sandbox.url,
        'GET',
        '/sandbox/requests?path=/v1/payments/wire',
      );
      expect(log.data.filter((r) => r.idempotency_key === key).map((r) => r.status)).toEqual([429, 429, 201]);
    });

    it('each status has its QBank error code; token requests can be faulted; DELETE disarms', async () => {
      const codes = { 500: 'ERR_SYS_500', 502: 'ERR_SYS_502', 503: 'ERR_SYS_503', 504: 'ERR_SYS_504' };
      for (const [status, code] of Object.entries(codes)) {
        await admin(sandbox.url, 'PUT', '/sandbox/faults', { status: Number(status), path_prefix: '/v1/token' });
        const refused = await tokenFor({ grant_type: 'client_credentials' }, 'gateway:sandbox-secret');
        expect(refused.status).toBe(Number(status));
        expect(refused.headers.get('retry-after')).toBeNull();
        expect(await refused.json()).toMatchObject({ error_code: code });
        expect((await tokenFor({ grant_type: 'client_credentials' }, 'gateway:sandbox-secret')).status).toBe(200); // count 1 by default
      }
      await admin(sandbox.url, 'PUT', '/sandbox/faults', { status: 503, count: 5 });
      expect(await admin(sandbox.url, 'DELETE', '/sandbox/faults')).toEqual({ fault: null });
      expect(await admin(sandbox.url, 'GET', '/sandbox/faults')).toEqual({ fault: null });
      expect((await api('GET', '/accounts')).status).toBe(200);
    });

    it('refuses a fault it cannot arm, naming the field', async () => {
      for (const [body, field] of [
        [{ status: 404 }, 'status'],
        [{ status: 429, count: 0 }, 'count'],
        [{ status: 429, retry_after_seconds: -1 }, 'retry_after_seconds'],
        [{ status: 429, method: 'PATCH' }, 'method'],
        [{ status: 429, path_prefix: '/sandbox/' }, 'path_prefix'],
        [{ status: 429, pathPrefix: '/v1/token' }, 'pathPrefix'],
      ] as const) {
        const response = await fetch(`${sandbox.url}/sandbox/faults`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        expect(response.status).toBe(400);
        expect(((await response.json()) as { message: string }).message).toContain(field);
      }
      expect(await admin(sandbox.url, 'GET', '/sandbox/faults')).toEqual({ fault: null });
    });
  });

  it('records recent requests with their request id and idempotency key', async () => {
    const requestId = randomUUID();
    await api('GET', `/balances/${accounts[0]!.account_id}`, { headers: { 'x-request-id': requestId } });
    const log = await admin<{ data: { request_id: string; status: number; client_id: string }[] }>(sandbox.url, 'GET', '/sandbox/requests');
    expect(log.data.find((r) => r.request_id === requestId)).toMatchObject({ status: 200, client_id: 'gateway' });
  });
});
