import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { AuditWriter } from '../src/audit/audit-writer.service.js';
import { eventually } from './support/capture-server.js';
import { call, startGateway, type TestGateway } from './support/gateway.js';
import { admin, sandboxAccounts } from './support/sandbox-admin.js';
import { signWebhook } from './support/sign.js';

const run = promisify(execFile);

interface AuditCommandResult {
  code: number;
  report: {
    ok?: boolean;
    events?: number;
    chains?: number;
    broken?: { eventId: string; reason: string };
    removed?: number;
    checkpoints?: number;
  };
  output: string;
}

describe('the audit trail: complete, append-only, tamper-evident, queryable (real HTTP, real database)', () => {
  let gw: TestGateway;
  let accounts: string[];
  let auditor: string;
  let operator: string;
  const postgres = () => gw.config.database.url.startsWith('postgres');
  const param = (n: number) => (postgres() ? `$${n}` : '?');

  /** `npm run audit:verify` / `audit:retention` as an operator runs them, against this gateway's database. */
  const auditCommand = async (command: 'audit-verify' | 'audit-retention', args: string[]): Promise<AuditCommandResult> => {
    const env = {
      ...process.env,
      DATABASE_URL: gw.config.database.url,
      ...(gw.config.database.schema ? { DATABASE_SCHEMA: gw.config.database.schema } : {}),
      LOG_LEVEL: 'silent',
    };
    try {
      const { stdout } = await run(process.execPath, [`dist/src/cli/${command}.js`, ...args], { env });
      return { code: 0, report: JSON.parse(stdout.trim().split('\n').pop()!) as AuditCommandResult['report'], output: stdout };
    } catch (error) {
      const failure = error as { code: number; stdout: string; stderr: string };
      const last = failure.stdout.trim().split('\n').pop() ?? '{}';
      return {
        code: failure.code,
        report: JSON.parse(last || '{}') as AuditCommandResult['report'],
        output: failure.stdout + failure.stderr,
      };
    }
  };
  const callEvents = async (requestId: string) => {
    const page = await call(gw, 'GET', `/v1/audit/events?request_id=${requestId}&kind=call`, { token: auditor });
    expect(page.status).toBe(200);
    return page.body.data as { actor: string; status: number; outcome: string; action: string; request_id: string; kind: string }[];
  };

  beforeAll(async () => {
    gw = await startGateway({ sandbox: { accounts: 3 } });
    auditor = gw.token('audit-team', ['auditor']);
    operator = gw.token('treasury-ops', ['treasury-operator']);
    accounts = (await sandboxAccounts(gw.sandbox.baseUrl)).accountIds;
  });
  afterAll(() => gw.close());

  it('after a mixed workload every call has exactly one audit event with the right actor, outcome and request id, and the chain verifies', async () => {
    const viewer = gw.token('erp-reader', ['treasury-viewer']);
    const adminToken = gw.token('ops', ['gateway-admin']);
    const expected: { requestId: string; actor: string; status: number; outcome: string }[] = [];
    const expect1 = (answer: { status: number; headers: Headers }, actor: string, outcome: string) =>
      expected.push({ requestId: answer.headers.get('x-request-id')!, actor, status: answer.status, outcome });

    for (let i = 0; i < 3; i += 1)
      expect1(await call(gw, 'GET', `/v1/balances/${accounts[0]}`, { token: viewer }), 'erp-reader', 'success');
    const wireBody = {
      debtor_account_id: accounts[0],
      amount: '99.95',
      currency: 'USD',
      creditor: { name: 'Globex Corp', routing_number: '021000021', account_number: '123456789012' },
    };
    const wire = await call(gw, 'POST', '/v1/payments/wire', {
      token: operator,
      body: wireBody,
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(wire.status).toBe(201);
    expect1(wire, 'treasury-ops', 'success');
    const transfer = await call(gw, 'POST', '/v1/transfers', {
      token: operator,
      body: { from_account_id: accounts[0], to_account_id: accounts[1], amount: '10.00', currency: 'USD' },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(transfer.status).toBe(201);
    expect1(transfer, 'treasury-ops', 'success');
    const ach = await call(gw, 'POST', '/v1/payments/ach', {
      token: gw.token('payables', ['ap-clerk']),
      body: {
        debtor_account_id: accounts[2],
        sec_code: 'PPD',
        payments: [
          { amount: '1.00', creditor: { name: 'A', routing_number: '011000015', account_number: '11112222', account_type: 'CHECKING' } },
          { amount: '2.00', creditor: { name: 'B', routing_number: '011000015', account_number: '33334444', account_type: 'SAVINGS' } },
        ],
      },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(ach.status).toBe(202);
    expect1(ach, 'payables', 'success');
    // refused calls: no token, a missing scope, a bad body, an unknown route
    expect1(await call(gw, 'GET', `/v1/balances/${accounts[0]}`), 'anonymous', 'denied');
    expect1(
      await call(gw, 'POST', '/v1/payments/wire', { token: viewer, body: wireBody, headers: { 'idempotency-key': randomUUID() } }),
      'erp-reader',
      'denied',
    );
    expect1(
      await call(gw, 'POST', '/v1/payments/wire', {
        token: operator,
        body: { ...wireBody, amount: '1.999' },
        headers: { 'idempotency-key': randomUUID() },
      }),
      'treasury-ops',
      'client_error',
    );
    // no route matched, but the token was verified before routing mattered: the event names the caller
    expect1(await call(gw, 'GET', '/v1/no-such-thing', { token: viewer }), 'erp-reader', 'client_error');
    // a webhook with a forged signature
    const forged = JSON.stringify({
      event_type: 'paymentStatusUpdate',
      data: { payment: { payment_id: randomUUID(), status: 'P_COMPLETED' } },
    });
    const rejected = await call(gw, 'POST', '/v1/webhooks/qbank', {
      rawBody: forged,
      headers: { 'webhook-signature': signWebhook(forged, 'not-the-secret') },
    });
    expect(rejected.status).toBe(400);
    expect1(rejected, 'qbank', 'client_error');
    // QBank's own webhooks: the ACH batch settles
    await admin(gw.sandbox.url, 'POST', '/sandbox/ach/settle');
    const achIds = (ach.body.payments as { payment_id: string }[]).map((p) => p.payment_id);
    await eventually(
      async () => {
        const done = await Promise.all(achIds.map((id) => call(gw, 'GET', `/v1/payments/${id}`, { token: operator })));
        return done.every((d) => d.body.status === 'P_COMPLETED') ? true : undefined;
      },
      15_000,
      'the batch settled through webhooks',
    );
    // a sync
    const sync = await call(gw, 'POST', '/v1/sync/accounts?wait=true', { token: adminToken });
    expect(sync.status).toBe(202);
    expect1(sync, 'ops', 'success');
    await gw.app.get(AuditWriter).flush();

    for (const e of expected) {
      const events = await callEvents(e.requestId);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ actor: e.actor, status: e.status, outcome: e.outcome, request_id: e.requestId });
    }
    // the forged webhook is among the rejected deliveries; QBank's valid deliveries are attributed to `qbank`
    const webhookRows = (await gw.db.query(
      `SELECT status, actor FROM audit_events WHERE kind = 'call' AND route = '/v1/webhooks/qbank'`,
    )) as { status: number; actor: string }[];
    expect(webhookRows.filter((r) => Number(r.status) === 200).length).toBeGreaterThanOrEqual(2);
    expect(webhookRows.every((r) => r.actor === 'qbank')).toBe(true);
    const rejections = (await gw.db.query(`SELECT request_id FROM audit_webhook_rejections`)) as { request_id: string }[];
    expect(rejections.map((r) => r.request_id)).toContain(rejected.headers.get('x-request-id'));
    const refusals = (await gw.db.query(`SELECT actor, missing_scope FROM audit_scope_refusals`)) as {
      actor: string;
      missing_scope: string;
    }[];
    expect(refusals).toContainEqual({ actor: 'erp-reader', missing_scope: 'payments.wire.write' });

    // each change to the wire is an event of its own, attributed to its caller; the webhook's to `qbank`
    const paymentId = wire.body.payment_id as string;
    const changes = await call(gw, 'GET', `/v1/audit/events?resource_id=${paymentId}&kind=payment`, { token: auditor });
    // oldest first (events of one transaction share their millisecond: their chain position orders them)
    const steps = [
      ...(changes.body.data as { action: string; timestamp: string; chain_seq: number; detail: { to?: string; status?: string } }[]),
    ].sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.chain_seq - b.chain_seq);
    expect(steps.length).toBeGreaterThanOrEqual(2); // created, then at least the change to its final status
    expect(steps[0]).toMatchObject({ action: 'payment.created', detail: { status: 'P_PENDING', amount: '99.95' } });
    expect(steps.slice(1).every((e) => e.action === 'payment.status_changed')).toBe(true);
    expect(steps.at(-1)!.detail.to).toBe('P_COMPLETED');
    expect(changes.body.data.every((e: { actor: string }) => e.actor === 'treasury-ops')).toBe(true);
    const settled = await call(gw, 'GET', `/v1/audit/events?resource_id=${achIds[0]}&action=payment.status_changed`, { token: auditor });
    expect(settled.body.data).toContainEqual(
      expect.objectContaining({ actor: 'qbank', detail: expect.objectContaining({ to: 'P_COMPLETED', source: 'webhook' }) }),
    );
    const runs = await call(gw, 'GET', '/v1/audit/events?action=sync.run', { token: auditor });
    expect(runs.body.data[0]).toMatchObject({
      actor: 'ops',
      request_id: sync.headers.get('x-request-id'),
      detail: { resource: 'accounts' },
    });
    // the payments view joins each payment to the call that initiated it
    const initiated = (await gw.db.query(
      `SELECT initiated_by, initiating_http_status, final_status FROM audit_payments WHERE payment_id = ${param(1)}`,
      [paymentId],
    )) as { initiated_by: string; initiating_http_status: number; final_status: string }[];
    expect(initiated).toEqual([{ initiated_by: 'treasury-ops', initiating_http_status: 201, final_status: 'P_COMPLETED' }]);

    const verified = await auditCommand('audit-verify', []);
    expect(verified.code).toBe(0);
    expect(verified.report).toMatchObject({ ok: true });
    expect(verified.report.events).toBeGreaterThan(expected.length);
  });

  it('reading the trail: keyset pages newest first, one event by id, filters validated, and every read audited', async () => {
    const first = await call(gw, 'GET', '/v1/audit/events?limit=5', { token: auditor });
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(5);
    const second = await call(gw, 'GET', `/v1/audit/events?limit=5&cursor=${first.body.next_cursor}`, { token: auditor });
    const all = [...first.body.data, ...second.body.data] as { id: string; timestamp: string }[];
    expect(new Set(all.map((e) => e.id)).size).toBe(10);
    const times = all.map((e) => e.timestamp);
    expect([...times].sort().reverse()).toEqual(times);
    const one = await call(gw, 'GET', `/v1/audit/events/${all[0]!.id}`, { token: auditor });
    expect(one.body).toMatchObject({ id: all[0]!.id, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((await call(gw, 'GET', `/v1/audit/events/${randomUUID()}`, { token: auditor })).status).toBe(404);
    const bad = await call(gw, 'GET', '/v1/audit/events?outcome=maybe&from=yesterday', { token: auditor });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/outcome/);
    const refused = await call(gw, 'GET', '/v1/audit/events', { token: operator });
    expect(refused.status).toBe(403);
    await gw.app.get(AuditWriter).flush();
    const reads = await callEvents(first.headers.get('x-request-id')!);
    expect(reads).toEqual([expect.objectContaining({ actor: 'audit-team', action: 'GET /v1/audit/events', status: 200 })]);
  });

  it('retention removes whole days, leaves checkpoints, is itself audited, and the rest still verifies', async () => {
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const retention = await auditCommand('audit-retention', ['--before', tomorrow, '--actor', 'records-officer']);
    expect(retention.code).toBe(0);
    expect(retention.report.removed).toBeGreaterThan(0);
    expect(retention.report.checkpoints).toBeGreaterThan(0);
    // new events after it, on the chains whose beginnings were removed
    for (let i = 0; i < 3; i += 1)
      expect((await call(gw, 'GET', `/v1/balances/${accounts[1]}`, { token: gw.token('erp-reader', ['treasury-viewer']) })).status).toBe(
        200,
      );
    await gw.app.get(AuditWriter).flush();
    const recorded = await call(gw, 'GET', '/v1/audit/events?action=audit.retention', { token: auditor });
    expect(recorded.body.data).toEqual([
      expect.objectContaining({ actor: 'records-officer', detail: expect.objectContaining({ removed: retention.report.removed }) }),
    ]);
    const verified = await auditCommand('audit-verify', []);
    expect(verified).toMatchObject({ code: 0, report: { ok: true } });
  });

  it('UPDATE and DELETE on the audit table fail for the application; an event edited behind its back makes audit:verify fail naming it', async () => {
    const [victim] = (await gw.db.query(
      `SELECT id FROM audit_events WHERE kind = 'call' AND chain_id IS NOT NULL ORDER BY occurred_at DESC LIMIT 1`,
    )) as {
      id: string;
    }[];
    await expect(gw.db.query(`UPDATE audit_events SET actor = 'mallory' WHERE id = ${param(1)}`, [victim!.id])).rejects.toThrow(
      /append-only/,
    );
    await expect(gw.db.query(`DELETE FROM audit_events WHERE id = ${param(1)}`, [victim!.id])).rejects.toThrow(/append-only/);
    if (postgres()) await expect(gw.db.query(`TRUNCATE audit_events`)).rejects.toThrow(/append-only/);

    // Someone with more power than the application (a superuser switching triggers off) edits one event.
    const runner = gw.db.createQueryRunner();
    await runner.connect();
    try {
      if (postgres()) {
        await runner.query(`SET session_replication_role = replica`);
        await runner.query(`UPDATE audit_events SET actor = 'mallory' WHERE id = $1`, [victim!.id]);
        await runner.query(`SET session_replication_role = origin`);
      } else {
        await runner.query(`DROP TRIGGER audit_events_no_update`);
        await runner.query(`UPDATE audit_events SET actor = 'mallory' WHERE id = ?`, [victim!.id]);
      }
    } finally {
      await runner.release();
    }
    const verified = await auditCommand('audit-verify', []);
    expect(verified.code).toBe(1);
    expect(verified.report.broken).toMatchObject({ eventId: victim!.id, reason: expect.stringMatching(/altered/) });
    expect(verified.output).toContain(victim!.id);
    const usage = await auditCommand('audit-verify', ['--from', 'last week']);
    expect(usage.code).toBe(64);
  });
});
