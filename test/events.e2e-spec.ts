import { randomUUID } from 'node:crypto';
import { Clock } from '../src/common/clock.js';
import { EventsRetentionJob } from '../src/events/events-retention.job.js';
import { configDir } from './support/config-dir.js';
import { eventually, startCaptureServer, type CapturedRequest } from './support/capture-server.js';
import { call, startGateway, type TestGateway } from './support/gateway.js';
import { sandboxAccounts } from './support/sandbox-admin.js';
import { verifyWebhook } from './support/webhook-verifier.js';

type Event = { id: string; type: string; timestamp: string; data: Record<string, unknown> };
type Receiver = Awaited<ReturnType<typeof startCaptureServer>>;

/**
 * Events to internal subscribers (contract §14), over HTTP against the sandbox, on the suite's database:
 * signed deliveries checked by a Standard Webhooks verifier, retries, 410, failure and redelivery, grants,
 * and the commit-order feed under concurrent writers.
 */
describe('events: outbox, signed deliveries and the commit-order feed', () => {
  let gw: TestGateway;
  let accounts: string[];
  let operator: string;
  let payroll: string;
  let admin: string;
  const receivers: Receiver[] = [];

  const wire = (token: string, debtor: string, amount = '12.34') =>
    call(gw, 'POST', '/v1/payments/wire', {
      token,
      headers: { 'idempotency-key': randomUUID() },
      body: {
        debtor_account_id: debtor,
        amount,
        currency: 'USD',
        creditor: { name: 'Globex Corp', routing_number: '021000021', account_number: '123456789' },
      },
    });
  const subscribe = async (token: string, url: string, body: Record<string, unknown> = {}) => {
    const created = await call(gw, 'POST', '/v1/event-subscriptions', {
      token,
      body: { url, event_types: ['payment.created', 'payment.status_changed'], ...body },
    });
    expect(created.status).toBe(201);
    return created.body as { id: string; secret: string; status: string };
  };
  const receiver = async (respond?: (r: CapturedRequest) => { status: number }) => {
    const r = await startCaptureServer(respond);
    receivers.push(r);
    return r;
  };
  const eventsOf = (r: Receiver): Event[] => r.requests.map((q) => JSON.parse(q.rawBody.toString('utf8')) as Event);
  const deliveredFor = (r: Receiver, paymentId: string, type: string) =>
    eventually(
      () =>
        r.requests.find(
          (q) =>
            (JSON.parse(q.rawBody.toString('utf8')) as Event).data.payment_id === paymentId &&
            q.headers['webhook-id'] &&
            (JSON.parse(q.rawBody.toString('utf8')) as Event).type === type,
        ),
      10_000,
      `${type} of ${paymentId}`,
    );

  beforeAll(async () => {
    gw = await startGateway({
      sandbox: { accounts: 4 },
      env: async (sandbox) => {
        const ids = (await sandboxAccounts(sandbox.baseUrl)).accountIds;
        return {
          EVENTS_DELIVERY_INTERVAL_MS: '100',
          EVENTS_RETRY_SCHEDULE: '1,1',
          EVENTS_DELIVERY_TIMEOUT_MS: '3000',
          CONFIG_DIR: configDir({
            'roles.yaml': (roles: { grants: { callers: Record<string, unknown> } }) => {
              roles.grants.callers['payroll-service'] = { read: [ids[0], ids[1]], debit: [ids[0]] };
            },
            'approvals.yaml': {
              policies: [
                {
                  name: 'large-wires',
                  when: { type: 'WIRE', amount_at_least: '100000.00' },
                  approvals: 1,
                  approver_roles: ['payment-approver'],
                },
              ],
            },
          }),
        };
      },
    });
    accounts = (await sandboxAccounts(gw.sandbox.baseUrl)).accountIds;
    operator = gw.token('treasury-ops', ['treasury-operator']);
    payroll = gw.token('payroll-service', ['treasury-operator']);
    admin = gw.token('ops-admin', ['gateway-admin']);
    for (const resource of ['accounts', 'positivepay-exceptions'])
      expect((await call(gw, 'POST', `/v1/sync/${resource}?wait=true`, { token: admin })).body).toMatchObject({ status: 'succeeded' });
  });
  afterAll(async () => {
    await gw.close();
    for (const r of receivers) await r.close();
  });

  it('validates subscriptions: http(s) URL, known types, readable accounts; shows the secret once', async () => {
    const bad = [
      await call(gw, 'POST', '/v1/event-subscriptions', {
        token: operator,
        body: { url: 'ftp://x.example', event_types: ['payment.created'] },
      }),
      await call(gw, 'POST', '/v1/event-subscriptions', {
        token: operator,
        body: { url: 'http://127.0.0.1:1/h', event_types: ['payment.nope'] },
      }),
      await call(gw, 'POST', '/v1/event-subscriptions', { token: operator, body: { url: 'http://127.0.0.1:1/h', event_types: [] } }),
    ];
    expect(bad.map((r) => r.status)).toEqual([400, 400, 400]);
    const forbidden = await call(gw, 'POST', '/v1/event-subscriptions', {
      token: payroll,
      body: { url: 'http://127.0.0.1:1/h', event_types: ['payment.created'], accounts: [accounts[2]] },
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error_code).toBe('GW_ACCOUNT_FORBIDDEN');
    expect((await call(gw, 'GET', '/v1/event-subscriptions', { token: gw.token('approver', ['payment-approver']) })).status).toBe(403);

    const created = await subscribe(operator, 'http://127.0.0.1:1/never');
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const length = Buffer.from(created.secret.slice(6), 'base64').length;
    expect(length >= 24 && length <= 64).toBe(true);
    expect(created.status).toBe('active');
    const got = await call(gw, 'GET', `/v1/event-subscriptions/${created.id}`, { token: operator });
    expect(got.body).toMatchObject({ id: created.id, status: 'active', event_types: ['payment.created', 'payment.status_changed'] });
    expect(got.body.secret).toBeUndefined();
    // Another caller does not see it; the admin does.
    expect((await call(gw, 'GET', `/v1/event-subscriptions/${created.id}`, { token: payroll })).status).toBe(404);
    expect(((await call(gw, 'GET', '/v1/event-subscriptions', { token: admin })).body.data as { id: string }[]).map((s) => s.id)).toContain(
      created.id,
    );
    expect((await call(gw, 'DELETE', `/v1/event-subscriptions/${created.id}`, { token: operator })).status).toBe(204);
    expect((await call(gw, 'GET', `/v1/event-subscriptions/${created.id}`, { token: operator })).status).toBe(404);
  });

  it('delivers signed events, one payment in order, verifiable across a secret rotation', async () => {
    const r = await receiver();
    const sub = await subscribe(operator, `${r.url}/hooks`);
    const paid = await wire(operator, accounts[0]!);
    expect(paid.status).toBe(201);
    const id = paid.body.payment_id as string;
    await deliveredFor(r, id, 'payment.status_changed');
    const mine = r.requests.filter((q) => (JSON.parse(q.rawBody.toString('utf8')) as Event).data.payment_id === id);
    const bodies = mine.map((q) => verifyWebhook(sub.secret, q.rawBody.toString('utf8'), q.headers) as Event);
    expect(bodies[0]).toMatchObject({
      type: 'payment.created',
      data: { payment_id: id, status: 'P_PENDING', debtor_account_id: accounts[0] },
    });
    expect(bodies[1]).toMatchObject({ type: 'payment.status_changed', data: { payment_id: id, from: 'P_PENDING' } });
    for (const [i, q] of mine.entries()) expect(q.headers['webhook-id']).toBe(bodies[i]!.id);
    expect(() =>
      verifyWebhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, mine[0]!.rawBody.toString('utf8'), mine[0]!.headers),
    ).toThrow();

    const rotated = await call(gw, 'POST', `/v1/event-subscriptions/${sub.id}/rotate-secret`, { token: operator });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(sub.secret);
    expect(rotated.body.previous_secret_expires_at).toEqual(expect.any(String));
    const next = (await wire(operator, accounts[0]!)).body.payment_id as string;
    const after = await deliveredFor(r, next, 'payment.created');
    const body = after.rawBody.toString('utf8');
    // Both secrets verify during the overlap: a receiver can roll its secret whenever it likes.
    expect(verifyWebhook(sub.secret, body, after.headers)).toMatchObject({ type: 'payment.created' });
    expect(verifyWebhook(rotated.body.secret as string, body, after.headers)).toMatchObject({ type: 'payment.created' });
    expect((after.headers['webhook-signature'] as string).split(' ')).toHaveLength(2);
    await call(gw, 'DELETE', `/v1/event-subscriptions/${sub.id}`, { token: operator });
  });

  it('retries a failed attempt with the same webhook-id, and records each attempt', async () => {
    let first = true;
    const r = await receiver(() => {
      const status = first ? 500 : 200;
      first = false;
      return { status };
    });
    const sub = await subscribe(operator, r.url, { event_types: ['payment.created'] });
    const id = (await wire(operator, accounts[0]!)).body.payment_id as string;
    await eventually(() => (r.requests.length >= 2 ? true : undefined), 10_000, 'the retry');
    expect(r.requests[0]!.headers['webhook-id']).toBe(r.requests[1]!.headers['webhook-id']);
    expect(eventsOf(r)[1]).toMatchObject({ type: 'payment.created', data: { payment_id: id } });
    const deliveries = await eventually(async () => {
      const d = (await call(gw, 'GET', `/v1/event-subscriptions/${sub.id}/deliveries`, { token: operator })).body.data as {
        status: string;
        attempt_log: { status_code: number; latency_ms: number }[];
      }[];
      return d[0]?.status === 'delivered' ? d : undefined;
    });
    expect(deliveries[0]!.attempt_log.map((a) => a.status_code)).toEqual([500, 200]);
    expect(deliveries[0]!.attempt_log.every((a) => a.latency_ms >= 0)).toBe(true);
    await call(gw, 'DELETE', `/v1/event-subscriptions/${sub.id}`, { token: operator });
  });

  it('disables a subscription whose endpoint answers 410', async () => {
    const r = await receiver(() => ({ status: 410 }));
    const sub = await subscribe(operator, r.url, { event_types: ['payment.created'] });
    await wire(operator, accounts[0]!);
    const got = await eventually(async () => {
      const s = (await call(gw, 'GET', `/v1/event-subscriptions/${sub.id}`, { token: operator })).body as { status: string };
      return s.status === 'disabled' ? s : undefined;
    });
    expect(got).toMatchObject({ status: 'disabled', disabled_reason: expect.stringContaining('410') });
    const count = r.requests.length;
    await wire(operator, accounts[0]!);
    // Nothing more is owed to it: the next payment writes no delivery for a disabled subscription.
    const deliveries = (await call(gw, 'GET', `/v1/event-subscriptions/${sub.id}/deliveries`, { token: operator })).body.data as unknown[];
    expect(deliveries).toHaveLength(count);
  });

  it('leaves an event failed and visible after the whole schedule, and redelivers it on request', async () => {
    let up = false;
    const r = await receiver(() => ({ status: up ? 204 : 503 }));
    const sub = await subscribe(operator, r.url, { event_types: ['payment.created'] });
    const id = (await wire(operator, accounts[1]!)).body.payment_id as string;
    const failed = await eventually(
      async () => {
        const d = (await call(gw, 'GET', `/v1/event-subscriptions/${sub.id}/deliveries`, { token: operator })).body.data as {
          event_id: string;
          status: string;
          attempts: number;
          last_status_code: number;
        }[];
        return d[0]?.status === 'failed' ? d[0] : undefined;
      },
      15_000,
      'the delivery to fail',
    );
    // The first attempt and the two retries of EVENTS_RETRY_SCHEDULE=1,1.
    expect(failed).toMatchObject({ attempts: 3, last_status_code: 503 });
    expect(r.requests).toHaveLength(3);
    up = true;
    const redelivered = await call(gw, 'POST', `/v1/events/${failed.event_id}/redeliver`, { token: operator });
    expect(redelivered.status).toBe(202);
    await eventually(async () => {
      const d = (await call(gw, 'GET', `/v1/event-subscriptions/${sub.id}/deliveries`, { token: operator })).body.data as {
        status: string;
      }[];
      return d[0]?.status === 'delivered' ? true : undefined;
    });
    expect(eventsOf(r).at(-1)).toMatchObject({ id: failed.event_id, data: { payment_id: id } });
    expect(new Set(r.requests.map((q) => q.headers['webhook-id']))).toEqual(new Set([failed.event_id]));
    // Another caller cannot redeliver it.
    expect((await call(gw, 'POST', `/v1/events/${failed.event_id}/redeliver`, { token: payroll })).status).toBe(404);
    await call(gw, 'DELETE', `/v1/event-subscriptions/${sub.id}`, { token: operator });
  });

  it('keeps a service narrowed by grants to events about its accounts and its own payments', async () => {
    const r = await receiver();
    await subscribe(payroll, r.url, { event_types: ['payment.created'] });
    const own = (await wire(payroll, accounts[0]!)).body.payment_id as string;
    const readable = (await wire(operator, accounts[1]!)).body.payment_id as string;
    const hidden = (await wire(operator, accounts[2]!)).body.payment_id as string;
    const last = (await wire(operator, accounts[1]!)).body.payment_id as string;
    await deliveredFor(r, last, 'payment.created');
    const seen = eventsOf(r).map((e) => e.data.payment_id);
    expect(seen).toEqual(expect.arrayContaining([own, readable, last]));
    expect(seen).not.toContain(hidden);

    const feed = async (token: string) => {
      const ids: unknown[] = [];
      let after: string | null = null;
      for (;;) {
        const page = await call(gw, 'GET', `/v1/events?types=payment.created&limit=50${after ? `&after=${after}` : ''}`, { token });
        expect(page.status).toBe(200);
        if ((page.body.data as Event[]).length === 0) return ids;
        ids.push(...(page.body.data as Event[]).map((e) => e.data.payment_id));
        after = page.body.next_cursor as string;
      }
    };
    const payrollFeed = await feed(payroll);
    expect(payrollFeed).toEqual(expect.arrayContaining([own, readable, last]));
    expect(payrollFeed).not.toContain(hidden);
    expect(await feed(admin)).toContain(hidden);
  });

  it('announces approvals: awaiting, approved, rejected, cancelled — each payment in order', async () => {
    const r = await receiver();
    const types = ['payment.awaiting_approval', 'payment.approved', 'payment.rejected', 'payment.cancelled'];
    await subscribe(operator, r.url, { event_types: types });
    const approver = gw.token('alice', ['payment-approver']);
    const [approved, rejected, cancelled] = [
      (await wire(operator, accounts[0]!, '150000.00')).body,
      (await wire(operator, accounts[0]!, '150001.00')).body,
      (await wire(operator, accounts[0]!, '150002.00')).body,
    ] as { payment_id: string; status: string }[];
    expect(approved!.status).toBe('P_AWAITING_APPROVAL');
    expect((await call(gw, 'POST', `/v1/payments/${approved!.payment_id}/approve`, { token: approver, body: {} })).status).toBe(200);
    expect(
      (await call(gw, 'POST', `/v1/payments/${rejected!.payment_id}/reject`, { token: approver, body: { reason: 'no' } })).status,
    ).toBe(200);
    expect((await call(gw, 'POST', `/v1/payments/${cancelled!.payment_id}/cancel`, { token: operator, body: {} })).status).toBe(200);
    await deliveredFor(r, cancelled!.payment_id, 'payment.cancelled');
    await deliveredFor(r, approved!.payment_id, 'payment.approved');
    await deliveredFor(r, rejected!.payment_id, 'payment.rejected');
    const of = (id: string) => eventsOf(r).filter((e) => e.data.payment_id === id);
    expect(of(approved!.payment_id).map((e) => e.type)).toEqual(['payment.awaiting_approval', 'payment.approved']);
    expect(of(rejected!.payment_id).map((e) => [e.type, e.data.status])).toEqual([
      ['payment.awaiting_approval', 'P_AWAITING_APPROVAL'],
      ['payment.rejected', 'P_REJECTED'],
    ]);
    expect(of(cancelled!.payment_id).map((e) => e.type)).toEqual(['payment.awaiting_approval', 'payment.cancelled']);
    expect(of(approved!.payment_id)[0]!.data).toMatchObject({ approvals_required: 1 });
  });

  it('writes sync runs and new Positive Pay exceptions to the outbox', async () => {
    const page = await call(gw, 'GET', '/v1/events?types=sync.completed,positivepay.exception.created&limit=1000', { token: payroll });
    const types = new Set((page.body.data as Event[]).map((e) => e.type));
    expect(types.has('sync.completed')).toBe(true);
    const exceptions = (page.body.data as Event[]).filter((e) => e.type === 'positivepay.exception.created');
    // payroll-service sees only the exceptions of the accounts it may read.
    expect(exceptions.every((e) => [accounts[0], accounts[1]].includes(e.data.account_id as string))).toBe(true);
  });

  it('feed: a reader following it while 4 writers make payments sees every event exactly once', async () => {
    const seen: string[] = [];
    let stop = false;
    let after: string | null = null;
    const reader = (async () => {
      while (!stop) {
        const page = await call(gw, 'GET', `/v1/events?limit=7${after ? `&after=${after}` : ''}`, { token: admin });
        expect(page.status).toBe(200);
        seen.push(...(page.body.data as Event[]).map((e) => e.id));
        after = page.body.next_cursor as string | null;
        if ((page.body.data as Event[]).length === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; i < 6; i += 1) expect((await wire(operator, accounts[w % 4]!, `${w + 1}.0${i}`)).status).toBe(201);
    });
    await Promise.all(writers);
    const outbox = async () => (await gw.db.query<{ id: string }[]>('SELECT id FROM events')).map((e) => e.id);
    await eventually(
      async () => {
        const all = await outbox();
        return all.length === new Set(seen).size && all.every((id) => seen.includes(id)) ? true : undefined;
      },
      20_000,
      'the reader to catch up with the outbox',
    );
    stop = true;
    await reader;
    expect(seen.length).toBe(new Set(seen).size);
    expect(new Set(await outbox())).toEqual(new Set(seen));
  });

  it('retention removes delivered events past EVENTS_RETENTION_DAYS and keeps the failed ones', async () => {
    const clock = gw.app.get(Clock);
    const now = clock.now.bind(clock);
    const count = async (sql: string) => Number((await gw.db.query<{ n: number | string }[]>(sql))[0]!.n);
    const kept =
      "SELECT COUNT(*) AS n FROM events e WHERE EXISTS (SELECT 1 FROM event_deliveries d WHERE d.event_seq = e.seq AND d.status <> 'delivered')";
    const before = await count('SELECT COUNT(*) AS n FROM events');
    const failedBefore = await count(kept);
    expect(failedBefore).toBeGreaterThan(0); // the deliveries failed when a subscriber answered 410
    clock.now = () => new Date(now().getTime() + 31 * 86_400_000);
    try {
      const removed = await gw.app.get(EventsRetentionJob).run();
      expect(removed).toBe(before - failedBefore);
    } finally {
      clock.now = now;
    }
    expect(await count('SELECT COUNT(*) AS n FROM events')).toBe(failedBefore);
    expect(await count(kept)).toBe(failedBefore);
  });
});
