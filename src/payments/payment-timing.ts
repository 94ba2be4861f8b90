import { Injectable } from '@nestjs/common';
import { BankingCalendar, type Rail } from '../calendar/banking-calendar.js';
import { addDays } from '../calendar/plain-date.js';
import { GatewayError, ValidationFailedError } from '../common/errors/gateway-errors.js';
import { formatMinor } from '../common/money.js';
import type { PaymentEntity } from './payment.entity.js';
import type { OnCutoff } from './payment-requests.dto.js';

/** What a payment request says about its timing. */
export interface RequestedTiming {
  rail: Rail;
  /** `requested_execution_date`, when given. */
  requested?: string;
  /** ACH `same_day`; null for wires and transfers. */
  sameDay: boolean | null;
  /** `on_cutoff` (default `schedule`). */
  onCutoff?: OnCutoff;
}

/** How far ahead a payment may be dated. */
export const MAX_DAYS_AHEAD = 365;

/**
 * The dates of a payment on the banking calendar (contract §15): the execution date asked for (default
 * today in New York), the business day it goes to QBank (the next one when that day's cutoff has passed
 * or it is not a business day) and the expected settlement date.
 */
@Injectable()
export class PaymentTiming {
  constructor(private readonly calendar: BankingCalendar) {}

  /**
   * Refuses, before the caller's key is claimed, a date in the past or too far ahead (400) and a same-day
   * ACH entry over the same-day limit (422 `GW_LIMIT_EXCEEDED` naming it), and with `on_cutoff: reject` one
   * that cannot go out on the day asked for (422 `GW_AFTER_CUTOFF` naming the cutoff).
   */
  check(timing: RequestedTiming, amountsMinor: bigint[], now: Date): void {
    this.checkDates(timing, now);
    if (timing.onCutoff === 'reject') this.refuseAfterCutoff(timing, now);
    this.checkSameDay(timing, amountsMinor);
  }

  private checkDates(timing: RequestedTiming, now: Date): void {
    const today = this.calendar.today(now);
    if (timing.requested !== undefined && timing.requested < today)
      throw new ValidationFailedError(
        `requested_execution_date: ${timing.requested} is in the past (today is ${today} in ${this.calendar.settings.timeZone})`,
      );
    const latest = addDays(today, MAX_DAYS_AHEAD);
    if (timing.requested !== undefined && timing.requested > latest)
      throw new ValidationFailedError(`requested_execution_date: at most ${MAX_DAYS_AHEAD} days ahead (${latest})`);
  }

  /** The day asked for (today at the earliest) is missed: its cutoff has passed, or it is not a business day. */
  private refuseAfterCutoff(timing: RequestedTiming, now: Date): void {
    const today = this.calendar.today(now);
    const day = timing.requested !== undefined && timing.requested > today ? timing.requested : today;
    const execution = this.calendar.executionDate(timing.rail, day, now);
    if (execution === day) return;
    const zone = this.calendar.settings.timeZone;
    const cutoff = this.calendar.lastCutoff(timing.rail, day);
    const next = this.calendar.lastCutoff(timing.rail, execution)!;
    throw new GatewayError(
      422,
      'GW_AFTER_CUTOFF',
      cutoff
        ? `The ${timing.rail} cutoff of ${day} (${cutoff.cutoff} ${zone}, ${cutoff.cutoffAt.toISOString()}) has passed; the next is on ${execution} (${next.cutoff} ${zone})`
        : `${day} is not a business day: the next ${timing.rail} cutoff is on ${execution} (${next.cutoff} ${zone}, ${next.cutoffAt.toISOString()})`,
    );
  }

  private checkSameDay(timing: RequestedTiming, amountsMinor: bigint[]): void {
    if (!timing.sameDay) return;
    const limit = this.calendar.settings.achSameDayLimitMinor;
    const over = amountsMinor.findIndex((amount) => amount > limit);
    if (over >= 0)
      throw new GatewayError(
        422,
        'GW_LIMIT_EXCEEDED',
        `payments[${over}].amount ${formatMinor(amountsMinor[over]!)} exceeds the same-day ACH limit of ${formatMinor(limit)} per entry`,
      );
  }

  /** Whether a payment executing on `execution` waits for a later window (P_SCHEDULED) when recorded or approved at `now`. */
  waits(execution: string, now: Date): boolean {
    return execution > this.calendar.today(now);
  }

  /**
   * The cutoff of `execution`'s last window for `rail`: a payment awaiting approval expires then (unless its
   * policy says otherwise).
   */
  cutoffAt(rail: RequestedTiming['rail'], execution: string): Date | undefined {
    return this.calendar.lastCutoff(rail, execution)?.cutoffAt;
  }

  /**
   * Moves one request's recorded payments to the first execution date still reachable at `now` (their own,
   * when its cutoff has not passed), recomputing their expected settlement; answers whether any date changed.
   */
  redate(payments: PaymentEntity[], now: Date): boolean {
    const first = payments[0]!;
    if (first.executionDate === null) return false; // made before the calendar: sent as it was
    const execution = this.calendar.executionDate(first.type, first.executionDate, now);
    if (execution === first.executionDate) return false;
    for (const payment of payments) {
      payment.executionDate = execution;
      payment.expectedSettlementDate = this.calendar.expectedSettlementDate(
        payment.type,
        execution,
        payment.sameDay ?? false,
        payment.amountMinor,
        now,
      );
    }
    return true;
  }

  /** Sets the dates of payments recorded at `now` from one request. */
  date(payments: PaymentEntity[], timing: RequestedTiming, now: Date): void {
    const requested = timing.requested ?? this.calendar.today(now);
    const execution = this.calendar.executionDate(timing.rail, requested, now);
    for (const payment of payments) {
      payment.requestedExecutionDate = requested;
      payment.executionDate = execution;
      payment.sameDay = timing.sameDay;
      payment.expectedSettlementDate = this.calendar.expectedSettlementDate(
        timing.rail,
        execution,
        timing.sameDay ?? false,
        payment.amountMinor,
        now,
      );
    }
  }
}
