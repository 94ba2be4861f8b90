import { randomUUID } from 'node:crypto';
import { addDays } from '../src/calendar/plain-date.js';
import { eventually } from './support/capture-server.js';
import { call, startGateway, type TestGateway } from './support/gateway.js';
import { admin, sandboxAccounts } from './support/sandbox-admin.js';

/** Late postings (contract §15): a completed payment whose posting never arrives is reported; one that posts is not. */
describe('late postings (real HTTP, real database)', () => {
  let gw: TestGateway;
  let operator: string;
  let accountId: string;

  const wire = async (amount: string) => {
    const answer = await call(gw, 'POST', '/v1/payments/wire', {
      token: operator,
      headers: { 'idempotency-key': randomUUID() },
      body: {
        debtor_account_id: accountId,
        amount,
        currency: 'USD',
        creditor: { name: 'Globex Corp', routing_number: '021000021', account_number: '123456789' },
      },
    });
    expect(answer.body).toMatchObject({ status: 'P_COMPLETED', expected_settlement_date: expect.any(String) });
    return answer.body as { payment_id: string; expected_settlement_date: string };
  };
  const unposted = (query: string) => call(gw, 'GET', `/v1/reconciliation/unposted?${query}`, { token: operator });

  beforeAll(async () => {
    gw = await startGateway({ sandbox: { accounts: 2 } });
    operator = gw.token('treasury-ops', ['treasury-operator']);
    accountId = (await sandboxAccounts(gw.sandbox.baseUrl)).accountIds[0]!;
  });
  afterAll(() => gw.close());

  it('lists a completed payment with no posting past its settlement date and grace, not one that posted; CSV, metric and audit too', async () => {
    const posted = await wire('101.00');
    await admin(gw.sandbox.url, 'POST', '/sandbox/eod', { transactions_per_account: 0 }); // QBank posts what completed
    const never = await wire('202.00');
    const adminToken = gw.token('ops-admin', ['gateway-admin']);
    for (const resource of ['accounts', 'transactions'])
      expect((await call(gw, 'POST', `/v1/sync/${resource}?wait=true`, { token: adminToken })).body.status).toBe('succeeded');
    const postings = await call(gw, 'GET', `/v1/payments/${posted.payment_id}`, { token: operator });
    expect(postings.body.postings).toEqual([expect.objectContaining({ direction: 'DEBIT', amount: '101.00' })]);

    // On its settlement day, and within the grace business day, nothing is late yet.
    expect((await unposted(`as_of=${never.expected_settlement_date}`)).body.data).toEqual([]);
    const late = await unposted(`as_of=${addDays(never.expected_settlement_date, 7)}`);
    expect(late.status).toBe(200);
    expect(late.body).toMatchObject({ grace_business_days: 1 });
    expect(late.body.data).toEqual([
      expect.objectContaining({ payment_id: never.payment_id, amount: '202.00', expected_settlement_date: never.expected_settlement_date }),
    ]);

    const csv = await unposted(`as_of=${addDays(never.expected_settlement_date, 7)}&format=csv`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = String(csv.body).trim().split('\r\n');
    expect(lines[0]).toBe(
      'payment_id,qbank_payment_id,type,amount,currency,debtor_account_id,initiated_by,execution_date,expected_settlement_date,posting_due_by',
    );
    expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual([never.payment_id]);

    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/^gateway_unposted_payments 1$/m);
    const auditor = gw.token('audit-team', ['auditor']);
    const runs = await eventually(async () => {
      const rows = (await call(gw, 'GET', '/v1/audit/events?action=reconciliation.unposted_checked', { token: auditor })).body.data as {
        actor: string;
      }[];
      return rows.length >= 3 ? rows : undefined;
    });
    expect(runs.every((r) => r.actor === 'treasury-ops')).toBe(true);
  });

  it('refuses an as_of that is not a date', async () => {
    const bad = await unposted('as_of=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('as_of');
  });
});
