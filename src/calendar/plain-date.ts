/**
 * Calendar days written `YYYY-MM-DD` (a date, not an instant), and the wall clock of a time zone through
 * `Intl`: the banking calendar's arithmetic never goes through the machine's own zone or a fixed offset.
 */
export type PlainDate = string;

const DAY_MS = 86_400_000;

const toUtc = (date: PlainDate): number => Date.parse(`${date}T00:00:00Z`);
const fromUtc = (ms: number): PlainDate => new Date(ms).toISOString().slice(0, 10);

export const plainDate = (year: number, month: number, day: number): PlainDate => fromUtc(Date.UTC(year, month - 1, day));

export const addDays = (date: PlainDate, days: number): PlainDate => fromUtc(toUtc(date) + days * DAY_MS);

/** Whole days from `a` to `b` (negative when `b` comes first). */
export const daysBetween = (a: PlainDate, b: PlainDate): number => Math.round((toUtc(b) - toUtc(a)) / DAY_MS);

/** 0 Sunday … 6 Saturday. */
export const weekday = (date: PlainDate): number => new Date(toUtc(date)).getUTCDay();

/** The `n`th (1-based; -1: last) given weekday of a month. */
export function nthWeekday(year: number, month: number, day: number, n: number): PlainDate {
  if (n > 0) {
    const first = plainDate(year, month, 1);
    return addDays(first, ((day - weekday(first) + 7) % 7) + (n - 1) * 7);
  }
  const last = addDays(plainDate(year, month + 1, 1), -1);
  return addDays(last, -((weekday(last) - day + 7) % 7));
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** The wall clock of `timeZone` at `instant`. */
export function wallClock(instant: Date, timeZone: string): { date: PlainDate; minutes: number } {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

/** How far `timeZone`'s wall clock is ahead of UTC at `instant`, in milliseconds. */
function offsetMs(instant: number, timeZone: string): number {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(new Date(instant))
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant at which `timeZone`'s wall clock reads `minutes` after midnight on `date`. The offset is
 * read twice (at the first guess, then at the corrected one), which settles across a DST change; a wall
 * time skipped by the spring change resolves to the hour after it.
 */
export function instantAt(date: PlainDate, minutes: number, timeZone: string): Date {
  const wall = toUtc(date) + minutes * 60_000;
  const first = wall - offsetMs(wall, timeZone);
  const second = wall - offsetMs(first, timeZone);
  return new Date(second);
}

/** `HH:MM` ↔ minutes after midnight. */
export const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$/;
export const parseTimeOfDay = (value: string): number => Number(value.slice(0, 2)) * 60 + Number(value.slice(3, 5));
export const formatTimeOfDay = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
