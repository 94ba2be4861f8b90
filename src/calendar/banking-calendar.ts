import { fedHolidays } from './fed-holidays.js';
import { addDays, formatTimeOfDay, instantAt, parseTimeOfDay, wallClock, weekday, type PlainDate } from './plain-date.js';

export type Rail = 'WIRE' | 'TRANSFER' | 'ACH';
export const RAILS: readonly Rail[] = ['WIRE', 'ACH', 'TRANSFER'];

/** `same_day` / `next_day`: ACH; `standard`: the one window of a wire or a book transfer. */
export type WindowKind = 'same_day' | 'next_day' | 'standard';

/** What the calendar is built from (`calendar:` of the configuration). */
export interface CalendarSettings {
  timeZone: string;
  /** Taken off each of QBank's deadlines: the gateway's own cutoff leaves QBank this much time. */
  cutoffMarginMinutes: number;
  /** When a business day's windows open (wall clock): scheduled payments of that day are released then. */
  opensAt: string;
  deadlines: { wire: string; transfer: string; achSameDay: string[]; achNextDay: string };
  /** Closures beyond the Federal Reserve's holidays. */
  extraClosures: PlainDate[];
  /** The largest same-day ACH entry, in minor units. */
  achSameDayLimitMinor: bigint;
}

/** One submission window of a rail on a business day. */
export interface SubmissionWindow {
  kind: WindowKind;
  /** QBank's deadline, wall clock of the calendar's time zone. */
  deadline: string;
  /** The gateway's cutoff (the deadline less the margin), wall clock and instant. */
  cutoff: string;
  cutoffAt: Date;
}

export const EXTRA_CLOSURE = 'Bank closure';

/**
 * The banking calendar (contract §15): business days (Monday to Friday but the Federal Reserve's holidays,
 * computed for any year, and the configured closures), and each rail's windows in the calendar's time zone,
 * computed through `Intl` for the day in question — so a cutoff is right on either side of a DST change.
 */
export class BankingCalendar {
  private readonly holidays = new Map<number, Map<PlainDate, string>>();
  private readonly closures: Set<PlainDate>;

  constructor(readonly settings: CalendarSettings) {
    this.closures = new Set(settings.extraClosures);
  }

  /** Today in the calendar's time zone. */
  today(now: Date): PlainDate {
    return wallClock(now, this.settings.timeZone).date;
  }

  /** The holiday (or configured closure) on `date`, observed or actual; null on an ordinary day. */
  holiday(date: PlainDate): string | null {
    const year = Number(date.slice(0, 4));
    let byDate = this.holidays.get(year);
    if (!byDate) {
      byDate = new Map();
      for (const h of fedHolidays(year)) {
        if (h.actual) byDate.set(h.actual, h.name);
        byDate.set(h.date, h.actual ? `${h.name} (observed)` : h.name);
      }
      this.holidays.set(year, byDate);
    }
    return byDate.get(date) ?? (this.closures.has(date) ? EXTRA_CLOSURE : null);
  }

  isBusinessDay(date: PlainDate): boolean {
    const day = weekday(date);
    if (day === 0 || day === 6) return false;
    // A weekday holiday is closed; so is a Sunday holiday's Monday (named "(observed)").
    return this.holiday(date) === null;
  }

  /** `date` when it is a business day, else the next one. */
  businessDayOnOrAfter(date: PlainDate): PlainDate {
    let day = date;
    while (!this.isBusinessDay(day)) day = addDays(day, 1);
    return day;
  }

  /** The first business day after `date`. */
  nextBusinessDay(date: PlainDate): PlainDate {
    return this.businessDayOnOrAfter(addDays(date, 1));
  }

  /** `n` business days after `date` (`date` itself when `n` is 0). */
  addBusinessDays(date: PlainDate, n: number): PlainDate {
    let day = date;
    for (let i = 0; i < n; i += 1) day = this.nextBusinessDay(day);
    return day;
  }

  /** When `date`'s windows open (scheduled payments for it are released then). */
  opensAt(date: PlainDate): Date {
    return instantAt(date, parseTimeOfDay(this.settings.opensAt), this.settings.timeZone);
  }

  /** The windows of `rail` on `date`, earliest cutoff first; none on a day that is not a business day. */
  windows(rail: Rail, date: PlainDate): SubmissionWindow[] {
    if (!this.isBusinessDay(date)) return [];
    const { deadlines } = this.settings;
    const specs: [WindowKind, string][] =
      rail === 'ACH'
        ? [...deadlines.achSameDay.map((d): [WindowKind, string] => ['same_day', d]), ['next_day', deadlines.achNextDay]]
        : [['standard', rail === 'WIRE' ? deadlines.wire : deadlines.transfer]];
    return specs
      .map(([kind, deadline]) => {
        const cutoff = Math.max(0, parseTimeOfDay(deadline) - this.settings.cutoffMarginMinutes);
        return {
          kind,
          deadline,
          cutoff: formatTimeOfDay(cutoff),
          cutoffAt: instantAt(date, cutoff, this.settings.timeZone),
        };
      })
      .sort((a, b) => a.cutoffAt.getTime() - b.cutoffAt.getTime());
  }

  /** The last cutoff of `rail` on `date` (undefined on a day that is not a business day). */
  lastCutoff(rail: Rail, date: PlainDate): SubmissionWindow | undefined {
    return this.windows(rail, date).at(-1);
  }

  /** The window of `rail` a payment initiated at `now` goes into today: the first whose cutoff has not passed. */
  currentWindow(rail: Rail, now: Date): SubmissionWindow | undefined {
    return this.windows(rail, this.today(now)).find((w) => now < w.cutoffAt);
  }

  /**
   * The business day a payment of `rail` asked for `requested` goes to QBank when initiated at `now`: the
   * first business day on or after the later of `requested` and today whose last cutoff has not passed.
   */
  executionDate(rail: Rail, requested: PlainDate, now: Date): PlainDate {
    const today = this.today(now);
    let day = this.businessDayOnOrAfter(requested > today ? requested : today);
    if (day === today && now >= this.lastCutoff(rail, day)!.cutoffAt) day = this.nextBusinessDay(day);
    return day;
  }

  /** Whether a same-day ACH window of `date` is still open for a payment sent at `now` (or when `date` opens, if later). */
  sameDayWindowOpen(date: PlainDate, now: Date): boolean {
    const sentAt = Math.max(now.getTime(), this.opensAt(date).getTime());
    return this.windows('ACH', date).some((w) => w.kind === 'same_day' && w.cutoffAt.getTime() > sentAt);
  }

  /**
   * When the payment should settle: a wire or a transfer on its execution date; an ACH entry the same day
   * when same-day was asked for, the amount is within the same-day limit and a same-day window is open when
   * it is sent, else the next business day.
   */
  expectedSettlementDate(rail: Rail, executionDate: PlainDate, sameDay: boolean, amountMinor: bigint, now: Date): PlainDate {
    if (rail !== 'ACH') return executionDate;
    const settlesSameDay = sameDay && amountMinor <= this.settings.achSameDayLimitMinor && this.sameDayWindowOpen(executionDate, now);
    return settlesSameDay ? executionDate : this.nextBusinessDay(executionDate);
  }
}
