import { randomUUID } from 'node:crypto';
import { standAt, tokenAt } from './support/clock.js';
import { call, startGateway, type TestGateway } from './support/gateway.js';
import { sandboxAccounts } from './support/sandbox-admin.js';

/**
 * The dates on every payment (contract §15), over HTTP with the gateway's clock moved: the execution date
 * asked for, the business day it goes to QBank and the expected settlement date, on each side of a cutoff
 * and across a holiday weekend.
 */
describe('payment dates: requested, execution and expected settlement (real HTTP, real database)', () => {
  let gw: TestGateway;
  let accounts: string[];
  let restore: (() => void) | undefined;

  const operator = () => tokenAt(gw, 'treasury-ops', ['treasury-operator']);
  const at = (iso: string) => {
    restore?.();
    restore = standAt(gw, iso);
  };
  const post = (path: string, body: unknown) =>
    call(gw, 'POST', path, { token: operator(), body, headers: { 'idempotency-key': randomUUID() } });
  const wire = (extra: object = {}) => ({
    debtor_account_id: accounts[0],
    amount: '1250.00',
    currency: 'USD',
    creditor: { name: 'Globex Corp', routing_number: '021000021', account_number: '123456789' },
    description: 'invoice',
    ...extra,
  });
  const ach = (amounts: string[], extra: object = {}) => ({
    debtor_account_id: accounts[0],
    sec_code: 'CCD',
    payments: amounts.map((amount, i) => ({
      amount,
      creditor: { name: `Vendor ${i}`, routing_number: '021000021', account_number: `99887766${i}`, account_type: 'CHECKING' },
      description: 'PAYABLES',
    })),
    ...extra,
  });
  const dates = (p: Record<string, unknown>) => [p.requested_execution_date, p.execution_date, p.expected_settlement_date];

  beforeAll(async () => {
    gw = await startGateway({ sandbox: { accounts: 2 } });
    accounts = (await sandboxAccounts(gw.sandbox.baseUrl)).accountIds;
  });
  afterEach(() => {
    restore?.();
    restore = undefined;
  });
  afterAll(() => gw?.close());

  it('a wire a minute before the wire cutoff executes and settles that day; a minute after, on the next business day', async () => {
    at('2026-12-02T22:29:00Z'); // Wednesday 17:29 EST; the cutoff is 17:30
    const before = await post('/v1/payments/wire', wire());
    expect(before.status).toBe(201);
    expect(dates(before.body)).toEqual(['2026-12-02', '2026-12-02', '2026-12-02']);
    at('2026-12-02T22:31:00Z');
    const after = await post('/v1/payments/wire', wire());
    expect(dates(after.body)).toEqual(['2026-12-02', '2026-12-03', '2026-12-03']);
    // The stored payment shows them too.
    const read = await call(gw, 'GET', `/v1/payments/${after.body.payment_id as string}`, { token: operator() });
    expect(dates(read.body)).toEqual(['2026-12-02', '2026-12-03', '2026-12-03']);
  });

  it('an ACH on the Friday before MLK Day settles on Tuesday; a same-day one in a window settles that Friday', async () => {
    at('2027-01-15T14:00:00Z'); // Friday 09:00 EST; Monday January 18 is Martin Luther King Jr. Day
    const nextDay = await post('/v1/payments/ach', ach(['100.00', '200.00']));
    expect(nextDay.status).toBe(202);
    expect(nextDay.body).toMatchObject({ requested_execution_date: '2027-01-15', execution_date: '2027-01-15', same_day: false });
    for (const entry of nextDay.body.payments) expect(dates(entry)).toEqual(['2027-01-15', '2027-01-15', '2027-01-19']);
    const sameDay = await post('/v1/payments/ach', ach(['100.00'], { same_day: true }));
    expect(sameDay.body.same_day).toBe(true);
    expect(dates(sameDay.body.payments[0])).toEqual(['2027-01-15', '2027-01-15', '2027-01-15']);
  });

  it('a same-day ACH after the last same-day window goes on the next business day', async () => {
    at('2026-12-02T21:16:00Z'); // Wednesday 16:16 EST: the last same-day (and next-day) cutoff, 16:15, has passed
    const late = await post('/v1/payments/ach', ach(['100.00'], { same_day: true }));
    expect(late.status).toBe(202);
    expect(dates(late.body.payments[0])).toEqual(['2026-12-02', '2026-12-03', '2026-12-03']);
  });

  it('a date ahead executes on it, or on the business day after when the bank is closed', async () => {
    at('2026-12-02T15:00:00Z');
    const christmas = await post('/v1/payments/wire', wire({ requested_execution_date: '2026-12-25' }));
    expect(dates(christmas.body)).toEqual(['2026-12-25', '2026-12-28', '2026-12-28']);
    const saturday = await post('/v1/transfers', {
      from_account_id: accounts[0],
      to_account_id: accounts[1],
      amount: '10.00',
      currency: 'USD',
      requested_execution_date: '2026-12-05',
    });
    expect(dates(saturday.body)).toEqual(['2026-12-05', '2026-12-07', '2026-12-07']);
  });

  it('refuses a date in the past (400) and a same-day entry over 1,000,000.00 (422), naming them', async () => {
    at('2026-12-02T15:00:00Z');
    const past = await post('/v1/payments/wire', wire({ requested_execution_date: '2026-12-01' }));
    expect(past).toMatchObject({ status: 400, body: { error_code: 'GW_VALIDATION' } });
    expect(past.body.message).toContain('requested_execution_date');
    const bad = await post('/v1/payments/wire', wire({ requested_execution_date: '2026-13-01' }));
    expect(bad).toMatchObject({ status: 400, body: { error_code: 'GW_VALIDATION' } });
    const big = await post('/v1/payments/ach', ach(['10.00', '1000000.01'], { same_day: true }));
    expect(big).toMatchObject({ status: 422, body: { error_code: 'GW_LIMIT_EXCEEDED' } });
    expect(big.body.message).toBe('payments[1].amount 1000000.01 exceeds the same-day ACH limit of 1000000.00 per entry');
  });
});
