import { BankingCalendar } from '../../src/calendar/banking-calendar.js';
import { instantAt } from '../../src/calendar/plain-date.js';
import { Clock } from '../../src/common/clock.js';
import { parseMinor } from '../../src/common/money.js';
import { loadConfig } from '../../src/config/gateway-config.js';
import type { TestGateway } from './gateway.js';

/** Where a test file's gateways stand by default: 09:00 New York, before every rail's first cutoff. */
const MORNING_MINUTES = 9 * 60;

/** The first business-day morning at or after `now` (forward only: what QBank stamps with its real clock stays in the gateway's past). */
export function nextBusinessMorning(now: Date): Date {
  const { calendar: settings } = loadConfig({ NODE_ENV: 'test' });
  const calendar = new BankingCalendar({ ...settings, achSameDayLimitMinor: parseMinor(settings.achSameDayLimit) });
  let day = calendar.businessDayOnOrAfter(calendar.today(now));
  if (instantAt(day, MORNING_MINUTES, settings.timeZone) < now) day = calendar.nextBusinessDay(day);
  return instantAt(day, MORNING_MINUTES, settings.timeZone);
}

/**
 * How far a test file's gateways run ahead of the machine (`CLOCK_OFFSET_MS`), fixed once per file so that
 * every gateway of the file — in process or a replica — agrees: specs that send payments then never meet a
 * cutoff, a weekend or a holiday, whatever the hour the suite runs.
 */
export const TEST_CLOCK_OFFSET_MS = nextBusinessMorning(new Date()).getTime() - Date.now();

/** "Now" for gateways running at `TEST_CLOCK_OFFSET_MS` (tokens for them are issued at it). */
export const testNow = (): Date => new Date(Date.now() + TEST_CLOCK_OFFSET_MS);

/**
 * Stands the gateway's clock, and QBank's for its payments, at `iso` (it keeps running from there, so leases and timeouts still pass);
 * answers a function that puts it back where it was. Tokens for that time come from `tokenAt`.
 */
export function standAt(gw: TestGateway, iso: string): () => void {
  const clock = gw.app.get(Clock);
  const real = Object.getOwnPropertyDescriptor(clock, 'now');
  const sandboxOffset = gw.sandbox.settings.clockOffsetMs;
  const offset = Date.parse(iso) - Date.now();
  clock.now = () => new Date(Date.now() + offset);
  gw.sandbox.settings.clockOffsetMs = offset; // QBank's payments are stamped at that time too
  return () => {
    if (real) Object.defineProperty(clock, 'now', real);
    else delete (clock as Partial<Clock>).now;
    gw.sandbox.settings.clockOffsetMs = sandboxOffset;
  };
}

/** A dev token issued at the gateway's current "now" (valid ten minutes of it). */
export function tokenAt(gw: TestGateway, sub: string, roles: string[]): string {
  const iat = Math.floor(gw.app.get(Clock).now().getTime() / 1000);
  return gw.sign({ sub, roles, iat, exp: iat + 600 }, { noTimestamp: true });
}
