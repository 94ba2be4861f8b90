import { isoDate, isoDateTime } from './calendar.js';

describe('sandbox calendar formatting', () => {
  it('writes instants exactly as Date#toISOString does', () => {
    const instants = [0, 1, 999, 1000, 86_399_999, 86_400_000, Date.UTC(2026, 10, 24, 23, 59, 59, 999), Date.UTC(2024, 1, 29, 12, 0, 0, 5)];
    // A stride that is not a divisor of a day walks every field through its carries.
    for (let ms = Date.UTC(2025, 11, 30); ms < Date.UTC(2026, 0, 3); ms += 7_654_321) instants.push(ms);
    for (const ms of instants) expect(isoDateTime(ms)).toBe(new Date(ms).toISOString());
  });

  it('writes days as the date part of that instant, and repeats them from its cache', () => {
    const day = Math.floor(Date.UTC(2026, 10, 24) / 86_400_000);
    expect(isoDate(day)).toBe('2026-11-24');
    expect(isoDate(day)).toBe('2026-11-24');
    expect(isoDate(day + 7)).toBe('2026-12-01');
  });
});
