import { randomUUID } from 'node:crypto';
import { ApprovalExpiryJob } from '../src/approvals/approval-expiry.job.js';
import { Clock } from '../src/common/clock.js';
import { RecoveryJob } from '../src/recovery/recovery.job.js';
import { IdempotencyRecord } from '../src/idempotency/idempotency-record.entity.js';
import { configDir } from './support/config-dir.js';
import { eventually } from './support/capture-server.js';
import { call, startGateway, type TestGateway } from './support/gateway.js';
import { admin, sandboxAccounts } from './support/sandbox-admin.js';

/** An account id no bank account has: a grant naming it is reported by /health. */
const CLOSED_ACCOUNT = '00000000-0000-4000-8000-00000000dead';

type SandboxPayment = { payment_id: string; idempotency_key: string; amount: string };
type AuditRow = { actor: string; action: string; outcome: string; error_code: string | null; resource_id: string | null };

/**
 * Treasury controls (contract §13), over HTTP against the sandbox: account grants narrowing one service,
 * and maker-checker approvals of large wires and ACH batches with their limits.
 */
describe('treasury controls: account grants and approvals (real HTTP, real database)', () => {
  let gw: TestGateway;
  let accounts: string[];
  let operator: string;
  let payroll: string;
  let approver1: string;
  let approver2: string;
  let auditor: string;

  const sandboxPayments = async () => (await admin<{ data: SandboxPayment[] }>(gw.sandbox.url, 'GET', '/sandbox/payments')).data;
  const sandboxRequests = async (path: string) =>
    (await admin<{ data: unknown[] }>(gw.sandbox.url, 'GET', `/sandbox/requests?path=${encodeURIComponent(path)}`)).data.length;
  const wire = (amount: string, debtor = accounts[0]) => ({
    debtor_account_id: debtor,
    amount,
    currency: 'USD',
    creditor: { name: 'Globex Corp', routing_number: '021000021', account_number: '123456789' },
    description: 'invoice',
  });
  const ach = (debtor: string, amounts: string[]) => ({
    debtor_account_id: debtor,
    sec_code: 'CCD',
    payments: amounts.map((amount, i) => ({
      amount,
      creditor: { name: `Vendor ${i}`, routing_number: '021000021', account_number: `99887766${i}`, account_type: 'CHECKING' },
      description: 'PAYABLES',
    })),
  });
  const post = (path: string, body: unknown, token: string, key = randomUUID()) =>
    call(gw, 'POST', path, { token, body, headers: { 'idempotency-key': key } });
  const decide = (id: string, decision: 'approve' | 'reject' | 'cancel', token: string, body: unknown = {}) =>
    call(gw, 'POST', `/v1/payments/${id}/${decision}`, { token, body });
  const auditOf = async (query: string): Promise<AuditRow[]> =>
    (await call(gw, 'GET', `/v1/audit/events?${query}`, { token: auditor })).body.data as AuditRow[];

  beforeAll(async () => {
    gw = await startGateway({
      sandbox: { accounts: 4 },
      env: async (sandbox) => {
        const ids = (await sandboxAccounts(sandbox.baseUrl)).accountIds;
        return {
          CONFIG_DIR: configDir({
            'roles.yaml': (roles: { grants: { callers: Record<string, unknown> } }) => {
              roles.grants.callers['payroll-service'] = { read: [ids[0], ids[1]], debit: [ids[0]] };
              roles.grants.callers['retired-service'] = { read: [CLOSED_ACCOUNT], debit: [] };
            },
            'default.yaml': (defaults: { limits: { payments: { callers: Record<string, unknown> } } }) => {
              defaults.limits.payments.callers['treasury-ops'] = { WIRE: { perPayment: '1000000.00', perDay: '400000.00' } };
            },
            'approvals.yaml': {
              policies: [
                {
                  name: 'large-wires',
                  when: { type: 'WIRE', amount_at_least: '100000.00' },
                  approvals: 2,
                  approver_roles: ['payment-approver'],
                },
                {
                  name: 'large-payables',
                  when: { type: 'ACH', amount_at_least: '50000.00' },
                  approvals: 1,
                  approver_roles: ['payment-approver'],
                  expires_after_hours: 4,
                },
              ],
            },
          }),
        };
      },
    });
    accounts = (await sandboxAccounts(gw.sandbox.baseUrl)).accountIds;
    operator = gw.token('treasury-ops', ['treasury-operator', 'payment-approver']);
    payroll = gw.token('payroll-service', ['treasury-operator', 'ap-clerk']);
    approver1 = gw.token('alice', ['payment-approver']);
    approver2 = gw.token('bob', ['payment-approver', 'treasury-viewer']);
    auditor = gw.token('audit-team', ['auditor']);
    const adminToken = gw.token('ops-admin', ['gateway-admin']);
    for (const resource of ['accounts', 'transactions', 'positivepay-exceptions'])
      expect((await call(gw, 'POST', `/v1/sync/${resource}?wait=true`, { token: adminToken })).body).toMatchObject({ status: 'succeeded' });
  });
  afterAll(() => gw.close());

  describe('a service narrowed to its own accounts', () => {
    it('gets 403 naming the account for balances, lists, wires, transfers, ACH and Positive Pay — and QBank hears of none of them', async () => {
      const [own, readOnly, other] = [accounts[0]!, accounts[1]!, accounts[2]!];
      const sentBefore = (await sandboxPayments()).length;
      const refusals = [
        await call(gw, 'GET', `/v1/balances/${other}`, { token: payroll }),
        await call(gw, 'GET', `/v1/accounts/${other}`, { token: payroll }),
        await call(gw, 'GET', `/v1/transactions?account_id=${other}`, { token: payroll }),
        await call(gw, 'GET', `/v1/positivepay/exceptions?account_id=${other}`, { token: payroll }),
        await post('/v1/payments/wire', wire('10.00', other), payroll),
        await post('/v1/payments/wire', wire('10.00', readOnly), payroll),
        await post('/v1/transfers', { from_account_id: own, to_account_id: other, amount: '5.00', currency: 'USD' }, payroll),
        await post('/v1/transfers', { from_account_id: readOnly, to_account_id: own, amount: '5.00', currency: 'USD' }, payroll),
        await post('/v1/payments/ach', ach(other, ['10.00']), payroll),
        await post(
          '/v1/positivepay/issues',
          { account_id: other, checks: [{ check_number: '1001', amount: '10.00', payee_name: 'Acme', issue_date: '2026-11-24' }] },
          payroll,
        ),
      ];
      const named = [other, other, other, other, other, readOnly, other, readOnly, other, other];
      for (const [i, refusal] of refusals.entries()) {
        expect({ i, status: refusal.status, code: refusal.body.error_code }).toEqual({ i, status: 403, code: 'GW_ACCOUNT_FORBIDDEN' });
        expect(refusal.body.message).toContain(named[i]);
      }
      expect(await sandboxRequests(`/v1/balances/${other}`)).toBe(0);
      expect((await sandboxPayments()).length).toBe(sentBefore);
      expect(await sandboxRequests('/v1/positivepay/issues')).toBe(0);

      // The same caller's permitted calls work.
      expect((await call(gw, 'GET', `/v1/balances/${own}`, { token: payroll })).status).toBe(200);
      expect((await call(gw, 'GET', `/v1/balances/${readOnly}`, { token: payroll })).status).toBe(200);
      expect(
        (await post('/v1/transfers', { from_account_id: own, to_account_id: readOnly, amount: '5.00', currency: 'USD' }, payroll)).status,
      ).toBe(201);
      expect((await post('/v1/payments/ach', ach(own, ['10.00']), payroll)).status).toBe(202);
    });

    it('lists only the accounts it may read, and their transactions, exceptions and payments', async () => {
      const readable = new Set([accounts[0], accounts[1]]);
      const elsewhere = await post('/v1/payments/wire', wire('11.00', accounts[3]), operator);
      expect(elsewhere.status).toBe(201);

      const listed = await call(gw, 'GET', '/v1/accounts', { token: payroll });
      expect(listed.body.data.map((a: { account_id: string }) => a.account_id).sort()).toEqual([...readable].sort());
      const txns = await call(gw, 'GET', '/v1/transactions?limit=1000', { token: payroll });
      expect(txns.body.data.length).toBeGreaterThan(0);
      expect(txns.body.data.every((t: { account_id: string }) => readable.has(t.account_id))).toBe(true);
      const everyTxn = await call(gw, 'GET', '/v1/transactions?limit=1000', { token: operator });
      expect(everyTxn.body.data.some((t: { account_id: string }) => !readable.has(t.account_id))).toBe(true);
      const exceptions = await call(gw, 'GET', '/v1/positivepay/exceptions', { token: payroll });
      expect(exceptions.body.data.every((e: { account_id: string }) => readable.has(e.account_id))).toBe(true);

      const payments = await call(gw, 'GET', '/v1/payments?limit=1000', { token: payroll });
      const ids = payments.body.data.map((p: { payment_id: string }) => p.payment_id);
      expect(ids).not.toContain(elsewhere.body.payment_id);
      expect(payments.body.data.every((p: { debtor_account_id: string }) => readable.has(p.debtor_account_id))).toBe(true);
      const single = await call(gw, 'GET', `/v1/payments/${elsewhere.body.payment_id}`, { token: payroll });
      expect(single.status).toBe(403);
      expect(single.body.error_code).toBe('GW_ACCOUNT_FORBIDDEN');
    });

    it('a refused call leaves its Idempotency-Key free for a permitted body', async () => {
      const key = randomUUID();
      expect((await post('/v1/payments/wire', wire('12.00', accounts[2]), payroll, key)).status).toBe(403);
      const permitted = await post('/v1/payments/wire', wire('12.00', accounts[0]), payroll, key);
      expect(permitted.status).toBe(201);
      expect(permitted.body).toMatchObject({ debtor_account_id: accounts[0], initiated_by: 'payroll-service', idempotency_key: key });
    });

    it('another caller sees who initiated a payment, but never its idempotency key', async () => {
      const mine = await post('/v1/payments/wire', wire('13.00'), operator);
      const seen = await call(gw, 'GET', `/v1/payments/${mine.body.payment_id}`, { token: payroll });
      expect(seen.body).toMatchObject({ initiated_by: 'treasury-ops', idempotency_key: null });
      const listed = await call(gw, 'GET', '/v1/payments?limit=1000', { token: payroll });
      expect(listed.body.data.find((p: { payment_id: string }) => p.payment_id === mine.body.payment_id)).toMatchObject({
        idempotency_key: null,
      });
      expect((await call(gw, 'GET', `/v1/payments/${mine.body.payment_id}`, { token: operator })).body.idempotency_key).not.toBeNull();
    });

    it('/health reports a grant naming an account the bank does not list, without failing on it', async () => {
      const health = await call(gw, 'GET', '/health');
      expect(health.body.details.account_grants).toEqual({ status: 'up', unknown_accounts: [CLOSED_ACCOUNT], checked: true });
    });

    it('every refusal is in the audit trail with the caller who made it', async () => {
      const refused = await call(gw, 'GET', `/v1/balances/${accounts[2]}`, { token: payroll });
      const requestId = refused.headers.get('x-request-id')!;
      const rows = await eventually(async () => {
        const found = await auditOf(`request_id=${requestId}`);
        return found.length ? found : undefined;
      });
      expect(rows).toEqual([
        expect.objectContaining({
          actor: 'payroll-service',
          outcome: 'denied',
          error_code: 'GW_ACCOUNT_FORBIDDEN',
          resource_id: accounts[2],
        }),
      ]);
    });
  });

  describe('maker-checker approvals', () => {
    const upstreamKeyOf = async (key: string) =>
      (await gw.db.getRepository(IdempotencyRecord).findOneByOrFail({ callerKey: key })).upstreamKey;

    it('a 2-approval wire waits without QBank, refuses its initiator, counts an approver once, and is sent once by the second', async () => {
      const key = randomUUID();
      const sentBefore = (await sandboxPayments()).length;
      const initiated = await post('/v1/payments/wire', wire('150000.00'), operator, key);
      expect(initiated.status).toBe(201);
      expect(initiated.body).toMatchObject({
        status: 'P_AWAITING_APPROVAL',
        qbank_payment_id: null,
        initiated_by: 'treasury-ops',
        approval_status: 'pending',
        approvals_required: 2,
        approval_policies: ['large-wires'],
        approvals: [],
        expires_at: expect.any(String),
      });
      const id = initiated.body.payment_id as string;
      expect((await sandboxPayments()).length).toBe(sentBefore);

      const self = await decide(id, 'approve', operator);
      expect(self.status).toBe(403);
      expect(self.body.error_code).toBe('GW_SELF_APPROVAL');
      const noScope = await decide(id, 'approve', payroll);
      expect(noScope.status).toBe(403);
      expect(noScope.body.error_code).toBe('GW_SCOPE_MISSING');

      const pending = await call(gw, 'GET', '/v1/approvals?status=pending', { token: approver1 });
      expect(pending.body.data.map((p: { payment_id: string }) => p.payment_id)).toContain(id);
      expect(
        (await call(gw, 'GET', '/v1/approvals?status=pending', { token: operator })).body.data.map(
          (p: { payment_id: string }) => p.payment_id,
        ),
      ).not.toContain(id);

      const first = await decide(id, 'approve', approver1, { comment: 'matches invoice 4711' });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({
        status: 'P_AWAITING_APPROVAL',
        approvals: [{ approver: 'alice', comment: 'matches invoice 4711' }],
      });
      const again = await decide(id, 'approve', approver1, { comment: 'once more' });
      expect(again.status).toBe(200);
      expect(again.body.approvals).toHaveLength(1);
      expect(
        (await call(gw, 'GET', '/v1/approvals?status=pending', { token: approver1 })).body.data.map(
          (p: { payment_id: string }) => p.payment_id,
        ),
      ).not.toContain(id);
      expect((await sandboxPayments()).length).toBe(sentBefore);

      const second = await decide(id, 'approve', approver2);
      expect(second.status).toBe(200);
      expect(second.body).toMatchObject({ payment_id: id, approval_status: 'approved', qbank_payment_id: expect.any(String) });
      expect(['P_PENDING', 'P_PROCESSING', 'P_COMPLETED']).toContain(second.body.status);
      const sent = (await sandboxPayments()).filter((p) => p.payment_id === second.body.qbank_payment_id);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.idempotency_key).toBe(await upstreamKeyOf(key));
      expect((await sandboxPayments()).length).toBe(sentBefore + 1);

      // A late decision changes nothing; the caller's original POST replays its first answer.
      expect((await decide(id, 'approve', gw.token('carol', ['payment-approver']))).body.error_code).toBe('GW_NOT_AWAITING_APPROVAL');
      const replay = await post('/v1/payments/wire', wire('150000.00'), operator, key);
      expect(replay.status).toBe(201);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body).toMatchObject({ payment_id: id, status: 'P_AWAITING_APPROVAL' });

      const shown = await call(gw, 'GET', `/v1/payments/${id}`, { token: operator });
      expect(shown.body.approvals.map((a: { approver: string }) => a.approver)).toEqual(['alice', 'bob']);
      const approvalSteps = shown.body.status_history.filter((h: { source: string }) => h.source === 'approval');
      expect(approvalSteps.map((h: { status: string; detail: string }) => [h.status, h.detail])).toEqual([
        ['P_AWAITING_APPROVAL', 'approved by alice (1 of 2)'],
        ['P_PENDING', 'approved by bob (2 of 2)'],
      ]);
      expect((await sandboxPayments()).length).toBe(sentBefore + 1);

      const trail = await eventually(async () => {
        const rows = (await auditOf(`resource_id=${id}&limit=100`)).filter((r) => r.action.startsWith('payment.'));
        return rows.some((r) => r.action === 'payment.approved' && r.actor === 'bob') ? rows : undefined;
      });
      const decisions = trail
        .filter((r) => ['payment.approval_required', 'payment.approved'].includes(r.action))
        .map((r) => [r.action, r.actor]);
      expect(decisions.sort()).toEqual(
        [
          ['payment.approval_required', 'treasury-ops'],
          ['payment.approved', 'alice'],
          ['payment.approved', 'bob'],
        ].sort(),
      );
    });

    it('reject, cancel and expiry each end a waiting payment and give its limit back', async () => {
      // treasury-ops may wire 400,000.00 a day; a first wire of 150,000.00 went out above.
      const sentBefore = (await sandboxPayments()).length;
      const fitsOnlyIfReturned = '200000.00';

      const rejected = await post('/v1/payments/wire', wire(fitsOnlyIfReturned), operator);
      expect(rejected.body.status).toBe('P_AWAITING_APPROVAL');
      const tooMuch = await post('/v1/payments/wire', wire(fitsOnlyIfReturned), operator);
      expect(tooMuch.status).toBe(422);
      expect(tooMuch.body.error_code).toBe('GW_LIMIT_EXCEEDED');
      const rejection = await decide(rejected.body.payment_id, 'reject', approver1, { reason: 'not on the vendor master' });
      expect(rejection.status).toBe(200);
      expect(rejection.body).toMatchObject({
        status: 'P_REJECTED',
        approval_status: 'rejected',
        rejection: { approver: 'alice', reason: 'not on the vendor master' },
      });
      expect((await decide(rejected.body.payment_id, 'approve', approver2)).body.error_code).toBe('GW_NOT_AWAITING_APPROVAL');

      const cancelled = await post('/v1/payments/wire', wire(fitsOnlyIfReturned), operator);
      expect(cancelled.body.status).toBe('P_AWAITING_APPROVAL');
      const stranger = await decide(cancelled.body.payment_id, 'cancel', payroll);
      expect(stranger.status).toBe(403);
      expect(stranger.body.error_code).toBe('GW_CANCEL_FORBIDDEN');
      const cancel = await decide(cancelled.body.payment_id, 'cancel', operator);
      expect(cancel.status).toBe(200);
      expect(cancel.body).toMatchObject({ status: 'P_CANCELLED', approval_status: 'cancelled' });
      expect((await decide(cancelled.body.payment_id, 'cancel', operator)).status).toBe(200);
      const sentDirectly = await post('/v1/payments/wire', wire('14.00'), operator);
      const notCancellable = await decide(sentDirectly.body.payment_id, 'cancel', operator);
      expect(notCancellable.status).toBe(409);
      expect(notCancellable.body.error_code).toBe('GW_NOT_CANCELLABLE');

      const expiring = await post('/v1/payments/wire', wire(fitsOnlyIfReturned), operator);
      expect(expiring.body.status).toBe('P_AWAITING_APPROVAL');
      const clock = gw.app.get(Clock);
      const realNow = clock.now.bind(clock);
      clock.now = () => new Date(realNow().getTime() + 25 * 3_600_000);
      try {
        expect(await gw.app.get(ApprovalExpiryJob).run()).toBe(1);
      } finally {
        clock.now = realNow;
      }
      const expired = await call(gw, 'GET', `/v1/payments/${expiring.body.payment_id}`, { token: operator });
      expect(expired.body).toMatchObject({ status: 'P_EXPIRED', approval_status: 'expired' });
      expect((await decide(expiring.body.payment_id, 'approve', approver1)).body.error_code).toBe('GW_NOT_AWAITING_APPROVAL');

      // All three gave their 200,000.00 back: one more fits, and goes out once approved.
      const fits = await post('/v1/payments/wire', wire(fitsOnlyIfReturned), operator);
      expect(fits.status).toBe(201);
      await decide(fits.body.payment_id, 'approve', approver1);
      expect((await decide(fits.body.payment_id, 'approve', approver2)).body.approval_status).toBe('approved');
      expect((await sandboxPayments()).length).toBe(sentBefore + 2); // the small direct wire and this one

      const actions = await eventually(async () => {
        const rows = [
          ...(await auditOf(`resource_id=${rejected.body.payment_id}&action=payment.rejected`)),
          ...(await auditOf(`resource_id=${cancelled.body.payment_id}&action=payment.cancelled`)),
          ...(await auditOf(`resource_id=${expiring.body.payment_id}&action=payment.expired`)),
        ];
        return rows.length === 3 ? rows : undefined;
      });
      expect(actions.map((r) => [r.action, r.actor])).toEqual([
        ['payment.rejected', 'alice'],
        ['payment.cancelled', 'treasury-ops'],
        ['payment.expired', 'system'],
      ]);
    });

    it('an approved payment whose send fails is left to the recovery job, which sends it once with its upstream key', async () => {
      const key = randomUUID();
      const initiated = await post(
        '/v1/payments/wire',
        wire('100000.00', accounts[1]),
        gw.token('treasury-ops-2', ['treasury-operator']),
        key,
      );
      await decide(initiated.body.payment_id, 'approve', approver1);
      await admin(gw.sandbox.url, 'PUT', '/sandbox/faults', { status: 503, count: 10, method: 'POST', path_prefix: '/v1/payments/wire' });
      let approved;
      try {
        approved = await decide(initiated.body.payment_id, 'approve', approver2);
      } finally {
        await admin(gw.sandbox.url, 'DELETE', '/sandbox/faults');
      }
      // The approval stands; QBank's outcome is not known yet.
      expect(approved.status).toBe(200);
      expect(approved.body).toMatchObject({ status: 'P_PENDING', qbank_payment_id: null, approval_status: 'approved' });
      const before = (await sandboxPayments()).length;

      expect(await gw.app.get(RecoveryJob).run()).toBe(1);
      const recovered = await call(gw, 'GET', `/v1/payments/${initiated.body.payment_id}`, { token: operator });
      expect(recovered.body.qbank_payment_id).toEqual(expect.any(String));
      const sent = (await sandboxPayments()).filter((p) => p.payment_id === recovered.body.qbank_payment_id);
      expect(sent.map((p) => p.idempotency_key)).toEqual([await upstreamKeyOf(key)]);
      expect((await sandboxPayments()).length).toBe(before + 1);
      expect(await gw.app.get(RecoveryJob).run()).toBe(0);
    });

    it('an ACH batch over the threshold waits and is decided as a whole', async () => {
      const before = await sandboxRequests('/v1/payments/ach');
      const batch = await post('/v1/payments/ach', ach(accounts[0]!, ['30000.00', '25000.00']), operator);
      expect(batch.status).toBe(202);
      expect(batch.body).toMatchObject({ status: 'P_AWAITING_APPROVAL', approvals_required: 1, approval_policies: ['large-payables'] });
      expect(batch.body.payments.map((p: { status: string }) => p.status)).toEqual(['P_AWAITING_APPROVAL', 'P_AWAITING_APPROVAL']);
      const pending = (await call(gw, 'GET', '/v1/approvals', { token: approver1 })).body.data;
      expect(pending.find((p: { payment_id: string }) => p.payment_id === batch.body.batch_id)).toMatchObject({
        type: 'ACH_BATCH',
        amount: '55000.00',
      });

      const approved = await decide(batch.body.batch_id, 'approve', approver1);
      expect(approved.status).toBe(200);
      expect(approved.body).toMatchObject({
        batch_id: batch.body.batch_id,
        qbank_batch_id: expect.any(String),
        approval_status: 'approved',
      });
      expect(approved.body.payments.every((p: { status: string }) => p.status !== 'P_AWAITING_APPROVAL')).toBe(true);
      expect(await sandboxRequests('/v1/payments/ach')).toBe(before + 1);

      // Below the threshold nothing waits.
      const small = await post('/v1/payments/ach', ach(accounts[0]!, ['100.00']), operator);
      expect(small.body.payments[0].status).toBe('P_PENDING');
    });
  });
});
