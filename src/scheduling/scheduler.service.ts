import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { SYSTEM } from '../audit/audit-event.factory.js';
import { BankingCalendar } from '../calendar/banking-calendar.js';
import { Clock } from '../common/clock.js';
import { Database } from '../database/database.js';
import type { IdempotencyRecord } from '../idempotency/idempotency-record.entity.js';
import { IdempotencyService, isDefinitiveRefusal } from '../idempotency/idempotency.service.js';
import { PaymentRecorder } from '../payments/payment-recorder.js';
import { PaymentTiming } from '../payments/payment-timing.js';
import { PaymentRepository } from '../payments/payment.repository.js';
import { PaymentsService } from '../payments/payments.service.js';

/**
 * Releases scheduled payments when their window opens (contract §15). Each release is one transaction that
 * locks the request's payments, finds them still P_SCHEDULED (a cancel or another run may have been first),
 * moves them to P_PENDING (source `scheduler`, actor `system`) and takes their held idempotency record up
 * (in flight, under a lease); after it commits the payment is sent with the record's upstream key, as an
 * approved one is. A crash between the two leaves the record in flight for the recovery job to send.
 */
@Injectable()
export class SchedulerService {
  private readonly logger = new Logger(SchedulerService.name);

  constructor(
    private readonly db: Database,
    private readonly payments: PaymentRepository,
    private readonly recorder: PaymentRecorder,
    private readonly idempotency: IdempotencyService,
    private readonly sender: PaymentsService,
    private readonly timing: PaymentTiming,
    private readonly calendar: BankingCalendar,
    private readonly clock: Clock,
  ) {}

  /** Releases the payments whose window is open now (at most `limit` requests); answers how many requests it sent. */
  async releaseDue(limit: number): Promise<number> {
    let released = 0;
    for (const resourceId of await this.payments.scheduledDue(this.calendar.today(this.clock.now()), limit)) {
      const record = await this.db.transaction((manager) => this.take(manager, resourceId));
      if (!record) continue;
      released += 1;
      try {
        await this.sender.send(record, SYSTEM, 'api');
      } catch (error) {
        // A refusal failed the payment; any other failure left the record in flight for the recovery job.
        if (!isDefinitiveRefusal(error))
          this.logger.warn({ err: error, resource_id: resourceId }, 'released payment not sent yet; the recovery job will send it');
      }
    }
    return released;
  }

  /** Phase one of a release: the payments P_PENDING and their record in flight, or nothing when they are not due. */
  private async take(manager: EntityManager, resourceId: string): Promise<IdempotencyRecord | undefined> {
    const payments = await this.payments.ofResource(manager, resourceId);
    if (payments.length === 0 || !payments.every((p) => p.status === 'P_SCHEDULED')) return undefined; // cancelled or released meanwhile
    const now = this.clock.now();
    // A window missed (the gateway was down through its cutoff): the payment moves to the next one.
    if (this.timing.redate(payments, now)) {
      for (const p of payments)
        await this.payments.update(manager, p.paymentId, {
          executionDate: p.executionDate,
          expectedSettlementDate: p.expectedSettlementDate,
        });
      return undefined;
    }
    const execution = payments[0]!.executionDate;
    if (execution === null || this.timing.waits(execution, now) || now < this.calendar.opensAt(execution)) return undefined;
    const recordId = await this.idempotency.heldFor(manager, resourceId);
    if (!recordId) throw new Error(`scheduled payment ${resourceId} has no held idempotency record`);
    const detail = `released by the scheduler at the window of ${execution}`;
    for (const payment of payments)
      await this.recorder.advance(manager, payment, [{ status: 'P_PENDING', at: now, detail }], 'scheduler', SYSTEM);
    return this.idempotency.resume(manager, recordId);
  }
}
