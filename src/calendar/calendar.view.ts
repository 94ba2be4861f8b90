import { RAILS, type BankingCalendar, type Rail, type WindowKind } from './banking-calendar.js';
import { addDays, type PlainDate } from './plain-date.js';

export interface WindowView {
  kind: WindowKind;
  /** QBank's deadline (wall clock, the calendar's time zone). */
  qbank_deadline: string;
  /** The gateway's cutoff: the deadline less the margin (wall clock), and the instant. */
  cutoff: string;
  cutoff_at: string;
}

export interface CalendarDayView {
  date: PlainDate;
  business_day: boolean;
  holiday: string | null;
  /** When the day's windows open: payments scheduled for it are released then (business days only). */
  opens_at: string | null;
  windows: Record<Rail, WindowView[]>;
}

export function calendarDay(calendar: BankingCalendar, date: PlainDate): CalendarDayView {
  const business = calendar.isBusinessDay(date);
  return {
    date,
    business_day: business,
    holiday: calendar.holiday(date),
    opens_at: business ? calendar.opensAt(date).toISOString() : null,
    windows: Object.fromEntries(
      RAILS.map((rail) => [
        rail,
        calendar.windows(rail, date).map((w) => ({
          kind: w.kind,
          qbank_deadline: w.deadline,
          cutoff: w.cutoff,
          cutoff_at: w.cutoffAt.toISOString(),
        })),
      ]),
    ) as Record<Rail, WindowView[]>,
  };
}

/** Each day from `from` to `to`, both included. */
export function calendarDays(calendar: BankingCalendar, from: PlainDate, to: PlainDate): CalendarDayView[] {
  const days: CalendarDayView[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(calendarDay(calendar, day));
  return days;
}
