import { BankingCalendar, type CalendarSettings, type Rail } from './banking-calendar.js';
import { fedHolidays } from './fed-holidays.js';

const SETTINGS: CalendarSettings = {
  timeZone: 'America/New_York',
  cutoffMarginMinutes: 30,
  opensAt: '00:00',
  deadlines: { wire: '18:00', transfer: '18:00', achSameDay: ['10:30', '14:45', '16:45'], achNextDay: '16:45' },
  extraClosures: ['2026-12-24'],
  achSameDayLimitMinor: 100_000_000n,
};
const calendar = new BankingCalendar(SETTINGS);
const at = (iso: string) => new Date(iso);
const minute = 60_000;
const shift = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * minute);

/**
 * The days the Federal Reserve Banks are closed, copied by hand from the Board's "K.8 Holidays Observed by
 * the Federal Reserve System 2026-2030": a Saturday holiday stays on the Saturday (the Banks are open the
 * Friday before), a Sunday one is observed on the Monday (July 5, 2027; November 12, 2029).
 */
const FED_SCHEDULE: Record<number, string[]> = {
  2026: [
    '2026-01-01',
    '2026-01-19',
    '2026-02-16',
    '2026-05-25',
    '2026-06-19',
    '2026-07-04',
    '2026-09-07',
    '2026-10-12',
    '2026-11-11',
    '2026-11-26',
    '2026-12-25',
  ],
  2027: [
    '2027-01-01',
    '2027-01-18',
    '2027-02-15',
    '2027-05-31',
    '2027-06-19',
    '2027-07-05',
    '2027-09-06',
    '2027-10-11',
    '2027-11-11',
    '2027-11-25',
    '2027-12-25',
  ],
  2028: [
    '2028-01-01',
    '2028-01-17',
    '2028-02-21',
    '2028-05-29',
    '2028-06-19',
    '2028-07-04',
    '2028-09-04',
    '2028-10-09',
    '2028-11-11',
    '2028-11-23',
    '2028-12-25',
  ],
  2029: [
    '2029-01-01',
    '2029-01-15',
    '2029-02-19',
    '2029-05-28',
    '2029-06-19',
    '2029-07-04',
    '2029-09-03',
    '2029-10-08',
    '2029-11-12',
    '2029-11-22',
    '2029-12-25',
  ],
  2030: [
    '2030-01-01',
    '2030-01-21',
    '2030-02-18',
    '2030-05-27',
    '2030-06-19',
    '2030-07-04',
    '2030-09-02',
    '2030-10-14',
    '2030-11-11',
    '2030-11-28',
    '2030-12-25',
  ],
};

describe('Federal Reserve holidays', () => {
  it.each(Object.entries(FED_SCHEDULE))('%s: the dates of the published schedule', (year, dates) => {
    expect(fedHolidays(Number(year)).map((h) => h.date)).toEqual(dates);
  });

  it('observes a Sunday holiday on the Monday after, naming both days', () => {
    expect(calendar.holiday('2027-07-04')).toBe('Independence Day');
    expect(calendar.holiday('2027-07-05')).toBe('Independence Day (observed)');
    expect(calendar.isBusinessDay('2027-07-05')).toBe(false);
    expect(calendar.isBusinessDay('2029-11-12')).toBe(false);
    expect(calendar.nextBusinessDay('2027-07-02')).toBe('2027-07-06');
  });

  it('does not move a Saturday holiday: the Friday before is a business day', () => {
    expect(calendar.holiday('2026-07-04')).toBe('Independence Day');
    expect(calendar.isBusinessDay('2026-07-03')).toBe(true);
    expect(calendar.holiday('2026-07-03')).toBeNull();
    expect(calendar.isBusinessDay('2027-12-24')).toBe(true);
    expect(calendar.isBusinessDay('2028-11-10')).toBe(true);
    expect(calendar.nextBusinessDay('2026-07-02')).toBe('2026-07-03');
  });

  it('closes the configured extra days and counts business days across holidays and weekends', () => {
    expect(calendar.holiday('2026-12-24')).toBe('Bank closure');
    expect(calendar.isBusinessDay('2026-12-24')).toBe(false);
    expect(calendar.nextBusinessDay('2026-12-23')).toBe('2026-12-28');
    expect(calendar.nextBusinessDay('2027-01-15')).toBe('2027-01-19'); // the Friday before MLK Day → Tuesday
    expect(calendar.addBusinessDays('2026-11-25', 2)).toBe('2026-11-30'); // Thanksgiving, a weekend
    expect(calendar.addBusinessDays('2026-11-25', 0)).toBe('2026-11-25');
    expect(calendar.windows('WIRE', '2026-11-26')).toEqual([]);
  });
});

/**
 * Cutoffs on either side of the 2026 DST changes (Sunday March 8, Sunday November 1): each is QBank's
 * deadline less 30 minutes, in New York — 5 hours behind UTC in EST, 4 in EDT.
 */
const DST_CUTOFFS: { day: string; rail: Rail; kind: string; cutoff: string }[] = [
  // Friday March 6, EST (UTC-5)
  { day: '2026-03-06', rail: 'ACH', kind: 'same_day 10:30', cutoff: '2026-03-06T15:00:00Z' },
  { day: '2026-03-06', rail: 'ACH', kind: 'same_day 14:45', cutoff: '2026-03-06T19:15:00Z' },
  { day: '2026-03-06', rail: 'ACH', kind: 'same_day 16:45', cutoff: '2026-03-06T21:15:00Z' },
  { day: '2026-03-06', rail: 'WIRE', kind: 'standard 18:00', cutoff: '2026-03-06T22:30:00Z' },
  { day: '2026-03-06', rail: 'TRANSFER', kind: 'standard 18:00', cutoff: '2026-03-06T22:30:00Z' },
  // Monday March 9, EDT (UTC-4)
  { day: '2026-03-09', rail: 'ACH', kind: 'same_day 10:30', cutoff: '2026-03-09T14:00:00Z' },
  { day: '2026-03-09', rail: 'ACH', kind: 'same_day 14:45', cutoff: '2026-03-09T18:15:00Z' },
  { day: '2026-03-09', rail: 'ACH', kind: 'same_day 16:45', cutoff: '2026-03-09T20:15:00Z' },
  { day: '2026-03-09', rail: 'WIRE', kind: 'standard 18:00', cutoff: '2026-03-09T21:30:00Z' },
  { day: '2026-03-09', rail: 'TRANSFER', kind: 'standard 18:00', cutoff: '2026-03-09T21:30:00Z' },
  // Friday October 30, EDT (UTC-4)
  { day: '2026-10-30', rail: 'ACH', kind: 'same_day 10:30', cutoff: '2026-10-30T14:00:00Z' },
  { day: '2026-10-30', rail: 'ACH', kind: 'same_day 14:45', cutoff: '2026-10-30T18:15:00Z' },
  { day: '2026-10-30', rail: 'ACH', kind: 'same_day 16:45', cutoff: '2026-10-30T20:15:00Z' },
  { day: '2026-10-30', rail: 'WIRE', kind: 'standard 18:00', cutoff: '2026-10-30T21:30:00Z' },
  { day: '2026-10-30', rail: 'TRANSFER', kind: 'standard 18:00', cutoff: '2026-10-30T21:30:00Z' },
  // Monday November 2, EST (UTC-5)
  { day: '2026-11-02', rail: 'ACH', kind: 'same_day 10:30', cutoff: '2026-11-02T15:00:00Z' },
  { day: '2026-11-02', rail: 'ACH', kind: 'same_day 14:45', cutoff: '2026-11-02T19:15:00Z' },
  { day: '2026-11-02', rail: 'ACH', kind: 'same_day 16:45', cutoff: '2026-11-02T21:15:00Z' },
  { day: '2026-11-02', rail: 'WIRE', kind: 'standard 18:00', cutoff: '2026-11-02T22:30:00Z' },
  { day: '2026-11-02', rail: 'TRANSFER', kind: 'standard 18:00', cutoff: '2026-11-02T22:30:00Z' },
];

describe('cutoffs across the DST changes', () => {
  it.each(DST_CUTOFFS)('$day $rail $kind: open a minute before $cutoff, closed a minute after', ({ day, rail, kind, cutoff }) => {
    const describe = (w: { kind: string; deadline: string } | undefined) => (w ? `${w.kind} ${w.deadline}` : undefined);
    expect(calendar.windows(rail, day).map((w) => `${w.kind} ${w.deadline} ${w.cutoffAt.toISOString()}`)).toContain(
      `${kind} ${new Date(cutoff).toISOString()}`,
    );
    expect(describe(calendar.currentWindow(rail, shift(cutoff, -1)))).toBe(kind);
    expect(describe(calendar.currentWindow(rail, shift(cutoff, 1)))).not.toBe(kind);
  });

  it.each([
    ['2026-03-06', '2026-03-06T22:30:00Z', '2026-03-09'],
    ['2026-03-09', '2026-03-09T21:30:00Z', '2026-03-10'],
    ['2026-10-30', '2026-10-30T21:30:00Z', '2026-11-02'],
    ['2026-11-02', '2026-11-02T22:30:00Z', '2026-11-03'],
  ])('a wire on %s executes that day until its cutoff %s, then on %s', (day, cutoff, next) => {
    expect(calendar.executionDate('WIRE', day, shift(cutoff, -1))).toBe(day);
    expect(calendar.executionDate('WIRE', day, shift(cutoff, 1))).toBe(next);
  });

  it.each([
    ['2026-03-06', '2026-03-06T21:15:00Z', '2026-03-09'],
    ['2026-03-09', '2026-03-09T20:15:00Z', '2026-03-10'],
    ['2026-10-30', '2026-10-30T20:15:00Z', '2026-11-02'],
    ['2026-11-02', '2026-11-02T21:15:00Z', '2026-11-03'],
  ])('a same-day ACH on %s settles that day until the last same-day cutoff %s, then on %s', (day, cutoff, next) => {
    const before = shift(cutoff, -1);
    const after = shift(cutoff, 1);
    expect(calendar.expectedSettlementDate('ACH', calendar.executionDate('ACH', day, before), true, 100n, before)).toBe(day);
    // After it the next-day window (same deadline) has closed too: executed and settled on the next business days.
    const execution = calendar.executionDate('ACH', day, after);
    expect(execution).toBe(next);
    expect(calendar.expectedSettlementDate('ACH', execution, true, 100n, after)).toBe(next);
  });

  it('has no windows on the Sundays of the changes, and reads the wall clock through the change', () => {
    expect(calendar.windows('ACH', '2026-03-08')).toEqual([]);
    expect(calendar.windows('WIRE', '2026-11-01')).toEqual([]);
    expect(calendar.today(at('2026-03-09T03:59:00Z'))).toBe('2026-03-08'); // 23:59 EDT
    expect(calendar.today(at('2026-11-02T04:59:00Z'))).toBe('2026-11-01'); // 23:59 EST
    expect(calendar.opensAt('2026-03-09').toISOString()).toBe('2026-03-09T04:00:00.000Z');
    expect(calendar.opensAt('2026-11-02').toISOString()).toBe('2026-11-02T05:00:00.000Z');
  });
});

describe('execution and settlement dates', () => {
  const friday = '2027-01-15'; // before MLK Day, Monday January 18
  const morning = at('2027-01-15T14:00:00Z'); // 09:00 EST

  it('an ACH on the Friday before MLK Day settles on Tuesday; same-day within the limit settles on Friday', () => {
    expect(calendar.executionDate('ACH', friday, morning)).toBe(friday);
    expect(calendar.expectedSettlementDate('ACH', friday, false, 100n, morning)).toBe('2027-01-19');
    expect(calendar.expectedSettlementDate('ACH', friday, true, 100_000_000n, morning)).toBe(friday);
    expect(calendar.expectedSettlementDate('ACH', friday, true, 100_000_001n, morning)).toBe('2027-01-19');
  });

  it('a future date executes on it (or the business day after), a wire settles on its execution date', () => {
    expect(calendar.executionDate('WIRE', '2027-01-18', morning)).toBe('2027-01-19');
    expect(calendar.executionDate('TRANSFER', '2027-02-01', morning)).toBe('2027-02-01');
    expect(calendar.expectedSettlementDate('WIRE', '2027-01-19', false, 1n, morning)).toBe('2027-01-19');
    // A future-dated same-day ACH is sent when its day opens: its same-day windows are all ahead.
    expect(calendar.expectedSettlementDate('ACH', '2027-01-19', true, 1n, morning)).toBe('2027-01-19');
  });
});
