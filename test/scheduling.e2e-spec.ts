import { randomUUID } from 'node:crypto';
import { IdempotencyRecord } from '../src/idempotency/idempotency-record.entity.js';
import { SchedulerJob } from '../src/scheduling/scheduler.job.js';
import { standAt, tokenAt } from './support/clock.js';
import { configDir } from './support/config-dir.js';
import { call, postgresDatabase, sqliteFileDatabase, startGateway, type TestDatabase, type TestGateway } from './support/gateway.js';
import { admin, sandboxAccounts } from './support/sandbox-admin.js';

type SandboxPayment = { payment_id: string; idempotency_key: string; amount: string };
type AuditRow = { action: string; resource_id: string | null; actor: string };

// Tuesday December 8, 2026 (EST, UTC-5): the wire cutoff is 17:30 ET = 22:30 UTC.
const TUESDAY_1731_ET = '2026-12-08T22:31:00Z';
const TUESDAY_1000_ET = '2026-12-08T15:00:00Z';
const WEDNESDAY_0001_ET = '2026-12-09T05:01:00Z';
const WEDNESDAY_1000_ET = '2026-12-09T15:00:00Z';
const THURSDAY_0001_ET = '2026-12-10T05:01:00Z';

/**
 * Scheduled payments (contract §15), over HTTP against the sandbox with the gateway's clock moved: a payment
 * after its rail's cutoff or dated in the future waits (P_SCHEDULED, QBank not called) until the leased
 * scheduler sends it when its window opens — once, with its record's upstream key; it can be cancelled
 * until then (its limits given back); `on_cutoff: reject` refuses it instead; an approval after the cutoff
 * schedules it.
 */
describe.each([
  ['SQLite', (): TestDatabase => sqliteFileDatabase()],
  ['PostgreSQL', (): TestDatabase => postgresDatabase()],
])('scheduled payments on %s (real HTTP, real database)', (_name, database) => {
  let gw: TestGateway;
  let accounts: string[];
  let restore: (() => void) | undefined;

  const at = (iso: string) => {
    restore?.();
    restore = standAt(gw, iso);
  };
  const operator = () => tokenAt(gw, 'treasury-ops', ['treasury-operator']);
  const wire = (amount: string, extra: object = {}) => ({
    debtor_account_id: accounts[0],
    amount,
    currency: 'USD',
    creditor: { name: 'Globex Corp', routing_number: '021000021', account_number: '123456789' },
    description: 'invoice',
    ...extra,
  });
  const post = (body: unknown, key = randomUUID(), token = operator()) =>
    call(gw, 'POST', '/v1/payments/wire', { token, body, headers: { 'idempotency-key': key } });
  const sentToQBank = async (amount: string) =>
    (await admin<{ data: SandboxPayment[] }>(gw.sandbox.url, 'GET', '/sandbox/payments')).data.filter((p) => p.amount === amount);
  const upstreamKeyOf = async (key: string) =>
    (await gw.db.getRepository(IdempotencyRecord).findOneByOrFail({ callerKey: key })).upstreamKey;
  const schedulerRun = () => gw.app.get(SchedulerJob).run();
  const status = async (id: string) => (await call(gw, 'GET', `/v1/payments/${id}`, { token: operator() })).body;
  const auditActions = async (id: string) =>
    (
      (await call(gw, 'GET', `/v1/audit/events?resource_id=${id}`, { token: tokenAt(gw, 'audit-team', ['auditor']) })).body
        .data as AuditRow[]
    ).map((e) => e.action);

  beforeAll(async () => {
    gw = await startGateway({
      database: database(),
      env: {
        SCHEDULER_INTERVAL_SECONDS: '3600', // runs only when a test calls it
        CONFIG_DIR: configDir({
          'default.yaml': (defaults: { limits: { payments: { callers: Record<string, unknown> } } }) => {
            defaults.limits.payments.callers['treasury-ops'] = { WIRE: { perPayment: '1000000.00', perDay: '700000.00' } };
          },
          'approvals.yaml': {
            policies: [
              {
                name: 'large-wires',
                when: { type: 'WIRE', amount_at_least: '500000.00' },
                approvals: 1,
                approver_roles: ['payment-approver'],
                expires_after_hours: 48,
              },
              {
                name: 'large-payables',
                when: { type: 'ACH', amount_at_least: '50000.00' },
                approvals: 1,
                approver_roles: ['payment-approver'],
              },
            ],
          },
        }),
      },
    });
    accounts = (await sandboxAccounts(gw.sandbox.baseUrl)).accountIds;
  });

  afterAll(async () => {
    restore?.();
    await gw?.close();
  });

  it('a wire one minute after the cutoff is scheduled, and sent by the scheduler at the next window, once, with its upstream key', async () => {
    at(TUESDAY_1731_ET);
    const key = randomUUID();
    const answer = await post(wire('4321.01'), key);
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ status: 'P_SCHEDULED', requested_execution_date: '2026-12-08', execution_date: '2026-12-09' });
    const id = answer.body.payment_id as string;
    // A replay answers the same, still without calling QBank.
    expect((await post(wire('4321.01'), key)).body).toMatchObject({ payment_id: id, status: 'P_SCHEDULED' });
    expect(await auditActions(id)).toContain('payment.scheduled');
    const feed = await call(gw, 'GET', '/v1/events?types=payment.scheduled&limit=50', { token: operator() });
    expect((feed.body.data as { data: { payment_id: string } }[]).map((e) => e.data.payment_id)).toContain(id);

    expect(await schedulerRun()).toBe(0); // its window has not opened
    expect(await sentToQBank('4321.01')).toHaveLength(0);

    at(WEDNESDAY_0001_ET);
    expect(await schedulerRun()).toBeGreaterThanOrEqual(1);
    const sent = await sentToQBank('4321.01');
    expect(sent.map((p) => p.idempotency_key)).toEqual([await upstreamKeyOf(key)]);
    expect((await status(id)).status).not.toBe('P_SCHEDULED');
    const history = ((await status(id)).status_history as { status: string; source: string }[]).map((h) => `${h.status}:${h.source}`);
    expect(history).toEqual(expect.arrayContaining(['P_SCHEDULED:gateway', 'P_PENDING:scheduler']));

    expect(await schedulerRun()).toBe(0);
    expect(await sentToQBank('4321.01')).toHaveLength(1);
    // Released: no longer cancellable.
    const late = await call(gw, 'POST', `/v1/payments/${id}/cancel`, { token: operator(), body: {} });
    expect(late.status).toBe(409);
    expect(late.body.error_code).toBe('GW_NOT_CANCELLABLE');
  });

  it('a future-dated payment is sent at its execution date’s window, not before', async () => {
    at(TUESDAY_1000_ET);
    const key = randomUUID();
    const answer = await post(wire('4321.02', { requested_execution_date: '2026-12-10' }), key);
    expect(answer.body).toMatchObject({ status: 'P_SCHEDULED', execution_date: '2026-12-10' });
    at(WEDNESDAY_1000_ET);
    await schedulerRun();
    expect(await sentToQBank('4321.02')).toHaveLength(0);
    at(THURSDAY_0001_ET);
    await schedulerRun();
    expect((await sentToQBank('4321.02')).map((p) => p.idempotency_key)).toEqual([await upstreamKeyOf(key)]);
  });

  it('a scheduled payment is cancelled by its initiator until released, its limit given back', async () => {
    at(TUESDAY_1731_ET);
    const first = await post(wire('400000.00'));
    expect(first.body.status).toBe('P_SCHEDULED');
    const over = await post(wire('400000.00'));
    expect(over.status).toBe(422);
    expect(over.body.error_code).toBe('GW_LIMIT_EXCEEDED');

    const id = first.body.payment_id as string;
    const stranger = await call(gw, 'POST', `/v1/payments/${id}/cancel`, {
      token: tokenAt(gw, 'someone-else', ['treasury-operator']),
      body: {},
    });
    expect(stranger.status).toBe(403);
    const cancelled = await call(gw, 'POST', `/v1/payments/${id}/cancel`, { token: operator(), body: {} });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('P_CANCELLED');
    expect(await auditActions(id)).toContain('payment.cancelled');
    expect((await call(gw, 'POST', `/v1/payments/${id}/cancel`, { token: operator(), body: {} })).body.status).toBe('P_CANCELLED');

    const again = await post(wire('400000.00'));
    expect(again.status).toBe(201);
    expect(again.body.status).toBe('P_SCHEDULED');
    at(WEDNESDAY_0001_ET);
    await schedulerRun();
    expect((await status(id)).status).toBe('P_CANCELLED');
    expect(await sentToQBank('400000.00')).toHaveLength(1); // the second one only
  });

  it('on_cutoff: reject → 422 GW_AFTER_CUTOFF naming the cutoff, the key left free', async () => {
    at(TUESDAY_1731_ET);
    const key = randomUUID();
    const refused = await post(wire('4321.03', { on_cutoff: 'reject' }), key);
    expect(refused.status).toBe(422);
    expect(refused.body.error_code).toBe('GW_AFTER_CUTOFF');
    expect(refused.body.message).toContain('17:30');
    expect(refused.body.message).toContain('2026-12-08');
    expect((await post(wire('4321.03', { on_cutoff: 'bogus' }))).status).toBe(400);
    // Before the cutoff it goes at once.
    at('2026-12-08T22:29:00Z');
    expect((await post(wire('4321.03', { on_cutoff: 'reject' }), key)).body.status).not.toBe('P_SCHEDULED');
  });

  it('an approval after the cutoff schedules the payment; one without expires_after_hours expires at its cutoff', async () => {
    at('2026-12-15T15:00:00Z'); // Tuesday 10:00 ET
    const held = await post(wire('500000.00'));
    expect(held.body.status).toBe('P_AWAITING_APPROVAL');
    const id = held.body.payment_id as string;
    const batch = await call(gw, 'POST', '/v1/payments/ach', {
      token: operator(),
      headers: { 'idempotency-key': randomUUID() },
      body: {
        debtor_account_id: accounts[0],
        sec_code: 'CCD',
        payments: [
          {
            amount: '60000.00',
            creditor: { name: 'Vendor', routing_number: '021000021', account_number: '998877660', account_type: 'CHECKING' },
            description: 'PAYABLES',
          },
        ],
      },
    });
    expect(batch.body).toMatchObject({ status: 'P_AWAITING_APPROVAL', expires_at: '2026-12-15T21:15:00.000Z' }); // ACH cutoff 16:15 ET

    at('2026-12-15T22:31:00Z'); // 17:31 ET
    const approved = await call(gw, 'POST', `/v1/payments/${id}/approve`, { token: tokenAt(gw, 'alice', ['payment-approver']), body: {} });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'P_SCHEDULED', execution_date: '2026-12-16' });
    expect(await sentToQBank('500000.00')).toHaveLength(0);
    at('2026-12-16T05:01:00Z');
    await schedulerRun();
    expect(await sentToQBank('500000.00')).toHaveLength(1);
  });
});
