import { BankingCalendar } from '../calendar/banking-calendar.js';
import type { GatewayError } from '../common/errors/gateway-errors.js';
import type { PaymentEntity } from './payment.entity.js';
import { PaymentTiming } from './payment-timing.js';

const timing = new PaymentTiming(
  new BankingCalendar({
    timeZone: 'America/New_York',
    cutoffMarginMinutes: 30,
    opensAt: '00:00',
    deadlines: { wire: '18:00', transfer: '18:00', achSameDay: ['10:30', '14:45', '16:45'], achNextDay: '16:45' },
    extraClosures: [],
    achSameDayLimitMinor: 100_000_000n,
  }),
);
// Tuesday December 8, 2026 (EST): the wire cutoff is 17:30 ET = 22:30 UTC.
const at = (iso: string) => new Date(iso);
const refusal = (run: () => void): GatewayError | undefined => {
  try {
    run();
  } catch (error) {
    return error as GatewayError;
  }
  return undefined;
};

describe('payment timing: scheduling and on_cutoff (contract §15)', () => {
  it('on_cutoff: reject refuses a payment that misses its day, naming the cutoff; a future date or a time before the cutoff is accepted', () => {
    const late = refusal(() => timing.check({ rail: 'WIRE', sameDay: null, onCutoff: 'reject' }, [], at('2026-12-08T22:30:00Z')));
    expect(late).toMatchObject({ status: 422, errorCode: 'GW_AFTER_CUTOFF' });
    expect(late?.message).toBe(
      'The WIRE cutoff of 2026-12-08 (17:30 America/New_York, 2026-12-08T22:30:00.000Z) has passed; the next is on 2026-12-09 (17:30 America/New_York)',
    );
    expect(
      refusal(() => timing.check({ rail: 'WIRE', sameDay: null, onCutoff: 'reject' }, [], at('2026-12-08T22:29:59Z'))),
    ).toBeUndefined();
    expect(
      refusal(() =>
        timing.check({ rail: 'WIRE', sameDay: null, onCutoff: 'reject', requested: '2026-12-10' }, [], at('2026-12-08T23:00:00Z')),
      ),
    ).toBeUndefined();
    const saturday = refusal(() =>
      timing.check({ rail: 'ACH', sameDay: false, onCutoff: 'reject', requested: '2026-12-12' }, [], at('2026-12-08T15:00:00Z')),
    );
    expect(saturday?.message).toContain('2026-12-12 is not a business day: the next ACH cutoff is on 2026-12-14');
    // Without on_cutoff the late payment is accepted (and scheduled).
    expect(refusal(() => timing.check({ rail: 'WIRE', sameDay: null }, [], at('2026-12-08T22:30:00Z')))).toBeUndefined();
  });

  it('a payment waits while its execution date is ahead of today in New York', () => {
    expect(timing.waits('2026-12-09', at('2026-12-09T04:59:00Z'))).toBe(true); // 23:59 ET on the 8th
    expect(timing.waits('2026-12-09', at('2026-12-09T05:00:00Z'))).toBe(false);
  });

  it('redate moves payments whose execution date’s cutoff has passed to the next business day, and leaves others alone', () => {
    const payment = { type: 'WIRE', executionDate: '2026-12-11', expectedSettlementDate: '2026-12-11', sameDay: null, amountMinor: 100n };
    const wire = () => ({ ...payment }) as PaymentEntity;
    const early = wire();
    expect(timing.redate([early], at('2026-12-11T15:00:00Z'))).toBe(false);
    const late = wire();
    expect(timing.redate([late], at('2026-12-11T22:31:00Z'))).toBe(true); // Friday 17:31 ET
    expect(late).toMatchObject({ executionDate: '2026-12-14', expectedSettlementDate: '2026-12-14' });
  });
});
