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

/** `2026-11-24` */
export const isoDate = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** `2026-11-24T14:05:00.123Z` */
export const isoDateTime = (ms: number): string => new Date(ms).toISOString();
