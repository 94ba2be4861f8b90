import { standAt, tokenAt } from './support/clock.js';
import { call, startGateway, type TestGateway } from './support/gateway.js';

/** `GET /v1/calendar` (contract §15) over HTTP: business days, holidays and each rail's windows. */
describe('the banking calendar (real HTTP)', () => {
  let gw: TestGateway;
  let admin: string;

  beforeAll(async () => {
    gw = await startGateway({ env: { CALENDAR_EXTRA_CLOSURES: '2026-12-24' } });
    // A role without any payment or account scope: the calendar is open to every authenticated caller.
    admin = gw.token('ops-admin', ['gateway-admin']);
  });
  afterAll(() => gw?.close());

  it('answers one entry per day: Thanksgiving closed, the day after open with its windows in New York time', async () => {
    const { status, body } = await call(gw, 'GET', '/v1/calendar?from=2026-11-25&to=2026-11-29', { token: admin });
    expect(status).toBe(200);
    expect(body.data.map((d: { date: string; business_day: boolean }) => [d.date, d.business_day])).toEqual([
      ['2026-11-25', true],
      ['2026-11-26', false],
      ['2026-11-27', true],
      ['2026-11-28', false],
      ['2026-11-29', false],
    ]);
    expect(body.data[1]).toMatchObject({
      date: '2026-11-26',
      business_day: false,
      holiday: 'Thanksgiving Day',
      opens_at: null,
      windows: { WIRE: [], ACH: [], TRANSFER: [] },
    });
    expect(body.data[2]).toMatchObject({
      date: '2026-11-27',
      business_day: true,
      holiday: null,
      opens_at: '2026-11-27T05:00:00.000Z',
      windows: {
        WIRE: [{ kind: 'standard', qbank_deadline: '18:00', cutoff: '17:30', cutoff_at: '2026-11-27T22:30:00.000Z' }],
        ACH: [
          { kind: 'same_day', qbank_deadline: '10:30', cutoff: '10:00', cutoff_at: '2026-11-27T15:00:00.000Z' },
          { kind: 'same_day', qbank_deadline: '14:45', cutoff: '14:15', cutoff_at: '2026-11-27T19:15:00.000Z' },
          { kind: 'same_day', qbank_deadline: '16:45', cutoff: '16:15', cutoff_at: '2026-11-27T21:15:00.000Z' },
          { kind: 'next_day', qbank_deadline: '16:45', cutoff: '16:15', cutoff_at: '2026-11-27T21:15:00.000Z' },
        ],
        TRANSFER: [{ kind: 'standard', qbank_deadline: '18:00', cutoff: '17:30', cutoff_at: '2026-11-27T22:30:00.000Z' }],
      },
    });
  });

  it('shows the configured extra closures, and starts at today in New York by default', async () => {
    const closure = await call(gw, 'GET', '/v1/calendar?from=2026-12-24&to=2026-12-24', { token: admin });
    expect(closure.body.data).toMatchObject([{ date: '2026-12-24', business_day: false, holiday: 'Bank closure' }]);

    const restore = standAt(gw, '2027-07-05T03:30:00Z'); // 23:30 EDT on Sunday July 4, 2027
    try {
      const { body } = await call(gw, 'GET', '/v1/calendar', { token: tokenAt(gw, 'ops-admin', ['gateway-admin']) });
      expect(body.data).toHaveLength(31);
      expect(body.data.slice(0, 3)).toMatchObject([
        { date: '2027-07-04', business_day: false, holiday: 'Independence Day' },
        { date: '2027-07-05', business_day: false, holiday: 'Independence Day (observed)' },
        { date: '2027-07-06', business_day: true, holiday: null },
      ]);
    } finally {
      restore();
    }
  });

  it('refuses a range over 366 days, an inverted one or a bad date (400 naming it), and callers without a token', async () => {
    const long = await call(gw, 'GET', '/v1/calendar?from=2026-01-01&to=2027-01-02', { token: admin });
    expect(long).toMatchObject({ status: 400, body: { error_code: 'GW_VALIDATION' } });
    expect(long.body.message).toContain('366');
    const inverted = await call(gw, 'GET', '/v1/calendar?from=2026-02-01&to=2026-01-01', { token: admin });
    expect(inverted).toMatchObject({ status: 400, body: { error_code: 'GW_VALIDATION' } });
    const bad = await call(gw, 'GET', '/v1/calendar?from=2026-02-30', { token: admin });
    expect(bad).toMatchObject({ status: 400, body: { error_code: 'GW_VALIDATION' } });
    expect(bad.body.message).toContain('from');
    expect((await call(gw, 'GET', '/v1/calendar')).status).toBe(401);
  });
});
