import { Injectable } from '@nestjs/common';
import { BankingCalendar, type Rail } from '../calendar/banking-calendar.js';
import { addDays } from '../calendar/plain-date.js';
import { GatewayError, ValidationFailedError } from '../common/errors/gateway-errors.js';
import { formatMinor } from '../common/money.js';
import type { PaymentEntity } from './payment.entity.js';

/** What a payment request says about its timing. */
export interface RequestedTiming {
  rail: Rail;
  /** `requested_execution_date`, when given. */
  requested?: string;
  /** ACH `same_day`; null for wires and transfers. */
  sameDay: boolean | null;
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
   * ACH entry over the same-day limit (422 `GW_LIMIT_EXCEEDED` naming it).
   */
  check(timing: RequestedTiming, amountsMinor: bigint[], now: Date): void {
    const today = this.calendar.today(now);
    if (timing.requested !== undefined && timing.requested < today)
      throw new ValidationFailedError(
        `requested_execution_date: ${timing.requested} is in the past (today is ${today} in ${this.calendar.settings.timeZone})`,
      );
    const latest = addDays(today, MAX_DAYS_AHEAD);
    if (timing.requested !== undefined && timing.requested > latest)
      throw new ValidationFailedError(`requested_execution_date: at most ${MAX_DAYS_AHEAD} days ahead (${latest})`);
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
