import { Injectable } from '@nestjs/common';
import { recordEvent, type AuditActor } from '../audit/audit-event.factory.js';
import { AuditLedger } from '../audit/audit-ledger.js';
import { AccountGrants } from '../auth/account-grants.js';
import { BankingCalendar } from '../calendar/banking-calendar.js';
import { addDays, type PlainDate } from '../calendar/plain-date.js';
import { Clock } from '../common/clock.js';
import { formatMinor } from '../common/money.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { Database } from '../database/database.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { PaymentRepository } from '../payments/payment.repository.js';

export interface UnpostedPaymentView {
  payment_id: string;
  qbank_payment_id: string | null;
  type: string;
  amount: string;
  currency: string;
  debtor_account_id: string;
  initiated_by: string;
  execution_date: string | null;
  expected_settlement_date: string;
  posting_due_by: string;
}

/** The most a report lists; the rest is counted. */
const MAX_ROWS = 10_000;

/**
 * Late postings (contract §15): payments QBank completed whose posting has not been synced by their
 * `expected_settlement_date` plus `RECONCILIATION_POSTING_GRACE_DAYS` business days. Each run of the check
 * sets the `gateway_unposted_payments` gauge and leaves an audit event.
 */
@Injectable()
export class UnpostedPayments {
  constructor(
    private readonly payments: PaymentRepository,
    private readonly calendar: BankingCalendar,
    private readonly grants: AccountGrants,
    private readonly ledger: AuditLedger,
    private readonly metrics: MetricsService,
    private readonly db: Database,
    private readonly config: GatewayConfig,
    private readonly clock: Clock,
  ) {}

  /** The report as of `asOf` (default: today in New York), on the accounts `by` may read. */
  async report(by: AuditActor, asOf?: PlainDate): Promise<{ as_of: string; grace_business_days: number; data: UnpostedPaymentView[] }> {
    const day = asOf ?? this.calendar.today(this.clock.now());
    const grace = this.config.reconciliation.postingGraceDays;
    const late = await this.payments.unposted(this.latestOverdueSettlement(day, grace), this.grants.readable(by), MAX_ROWS);
    const data = late.map((p) => ({
      payment_id: p.paymentId,
      qbank_payment_id: p.qbankPaymentId,
      type: p.type,
      amount: formatMinor(p.amountMinor),
      currency: p.currency,
      debtor_account_id: p.debtorAccountId,
      initiated_by: p.actor,
      execution_date: p.executionDate,
      expected_settlement_date: p.expectedSettlementDate!,
      posting_due_by: this.calendar.addBusinessDays(p.expectedSettlementDate!, grace),
    }));
    this.metrics.unpostedPayments.set(data.length);
    await this.db.transaction((manager) =>
      this.ledger.append(manager, [
        recordEvent({
          kind: 'payment',
          action: 'reconciliation.unposted_checked',
          resourceType: 'reconciliation',
          resourceId: day,
          by,
          at: this.clock.now(),
          detail: { as_of: day, grace_business_days: grace, unposted: data.length },
        }),
      ]),
    );
    return { as_of: day, grace_business_days: grace, data };
  }

  /** The latest settlement date whose posting is overdue on `asOf`: its grace period ended before that day. */
  private latestOverdueSettlement(asOf: PlainDate, grace: number): PlainDate {
    let day = addDays(asOf, -1);
    while (this.calendar.addBusinessDays(day, grace) >= asOf) day = addDays(day, -1);
    return day;
  }
}
