import { addDays, nthWeekday, plainDate, weekday, type PlainDate } from './plain-date.js';

export interface Holiday {
  /** The day the Federal Reserve Banks are closed for it (a Saturday holiday is not moved: no weekday is closed). */
  date: PlainDate;
  name: string;
  /** The calendar date when it differs from `date` (a Sunday holiday observed on Monday). */
  actual?: PlainDate;
}

const MONDAY = 1;
const THURSDAY = 4;

/** Juneteenth has been a Federal Reserve holiday since 2022. */
const JUNETEENTH_FROM = 2022;

/** The holidays of the Federal Reserve System in `year`, by its rules (contract §15), in date order. */
export function fedHolidays(year: number): Holiday[] {
  const fixed = (month: number, day: number, name: string): Holiday => {
    const actual = plainDate(year, month, day);
    // Sunday → the Monday after; Saturday → not moved (the Fed does not close the Friday before).
    return weekday(actual) === 0 ? { date: addDays(actual, 1), name, actual } : { date: actual, name };
  };
  const holidays: Holiday[] = [
    fixed(1, 1, "New Year's Day"),
    { date: nthWeekday(year, 1, MONDAY, 3), name: 'Birthday of Martin Luther King, Jr.' },
    { date: nthWeekday(year, 2, MONDAY, 3), name: "Washington's Birthday" },
    { date: nthWeekday(year, 5, MONDAY, -1), name: 'Memorial Day' },
    ...(year >= JUNETEENTH_FROM ? [fixed(6, 19, 'Juneteenth National Independence Day')] : []),
    fixed(7, 4, 'Independence Day'),
    { date: nthWeekday(year, 9, MONDAY, 1), name: 'Labor Day' },
    { date: nthWeekday(year, 10, MONDAY, 2), name: 'Columbus Day' },
    fixed(11, 11, 'Veterans Day'),
    { date: nthWeekday(year, 11, THURSDAY, 4), name: 'Thanksgiving Day' },
    fixed(12, 25, 'Christmas Day'),
  ];
  return holidays;
}
