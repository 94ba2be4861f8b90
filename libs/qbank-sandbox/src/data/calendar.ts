const DAY_MS = 86_400_000;

/** Days since the Unix epoch (UTC) of an instant. */
export const epochDay = (ms: number): number => Math.floor(ms / DAY_MS);

export const dayStartMs = (day: number): number => day * DAY_MS;

/** 0 = Sunday … 6 = Saturday. */
const weekday = (day: number): number => (day + 4) % 7;

export const isBusinessDay = (day: number): boolean => weekday(day) !== 0 && weekday(day) !== 6;

/** The first business day on or after `day`. */
export function businessDayOnOrAfter(day: number): number {
  let d = day;
  while (!isBusinessDay(d)) d += 1;
  return d;
}

/** The last business day on or before `day`. */
export function businessDayOnOrBefore(day: number): number {
  let d = day;
  while (!isBusinessDay(d)) d -= 1;
  return d;
}

/** `count` business days ending with `lastDay` (itself a business day), oldest first. */
export function businessDaysEndingAt(lastDay: number, count: number): number[] {
  const days: number[] = new Array<number>(count);
  let d = businessDayOnOrBefore(lastDay);
  for (let i = count - 1; i >= 0; i -= 1) {
    days[i] = d;
    d = businessDayOnOrBefore(d - 1);
  }
  return days;
}

/** Day strings already formatted: pages of postings repeat a few hundred days many times over. */
const dayStrings = new Map<number, string>();
const MAX_CACHED_DAYS = 4096;

/** `2026-11-24` */
export function isoDate(day: number): string {
  let text = dayStrings.get(day);
  if (text === undefined) {
    text = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (dayStrings.size >= MAX_CACHED_DAYS) dayStrings.clear();
    dayStrings.set(day, text);
  }
  return text;
}

const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const three = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/**
 * `2026-11-24T14:05:00.123Z`, as `Date#toISOString` writes it (years 0–9999), about ten times faster: the
 * sandbox formats two of these for every posting it serves.
 */
export function isoDateTime(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  return `${isoDate(day)}T${two(hours)}:${two(minutes)}:${two(seconds)}.${three(rest - seconds * 1000)}Z`;
}
