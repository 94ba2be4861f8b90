import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { recordEvent, type AuditActor } from '../audit/audit-event.factory.js';
import { AuditLedger } from '../audit/audit-ledger.js';
import { Clock } from '../common/clock.js';
import { Outbox } from '../events/outbox.js';
import { IdempotencyService } from '../idempotency/idempotency.service.js';
import type { PaymentEntity, StatusSource } from './payment.entity.js';
import { paymentEvent } from './payment-events.js';
import { PaymentRecorder } from './payment-recorder.js';
import { PaymentRepository } from './payment.repository.js';

/**
 * Payments that wait for their window (P_SCHEDULED, contract §15), in the caller's transaction: their audit
 * and outbox events when they start to wait, and their end when cancelled before the scheduler releases
 * them (limits given back, the held idempotency record settled). One request's payments (a wire, a
 * transfer, an ACH batch's entries) always wait and go together.
 */
@Injectable()
export class ScheduledPayments {
  constructor(
    private readonly payments: PaymentRepository,
    private readonly recorder: PaymentRecorder,
    private readonly idempotency: IdempotencyService,
    private readonly ledger: AuditLedger,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
  ) {}

  /** `payments` (of `resourceId`) wait for their execution date's window: audit event and outbox events `payment.scheduled`. */
  async announce(manager: EntityManager, resourceId: string, payments: PaymentEntity[], by: AuditActor, extra: object = {}): Promise<void> {
    const first = payments[0]!;
    await this.ledger.append(manager, [
      recordEvent({
        kind: 'payment',
        action: 'payment.scheduled',
        resourceType: 'payment',
        resourceId,
        by,
        detail: { execution_date: first.executionDate, expected_settlement_date: first.expectedSettlementDate },
        at: this.clock.now(),
      }),
    ]);
    await this.announceAll(manager, 'payment.scheduled', payments, extra);
  }

  /** A scheduled payment cancelled before its release: P_CANCELLED, limits given back, its held record settled. */
  async cancel(manager: EntityManager, resourceId: string, payments: PaymentEntity[], by: AuditActor, extra: object = {}): Promise<void> {
    const now = this.clock.now();
    const detail = `cancelled by ${by.sub} before its release`;
    const source: StatusSource = 'approval';
    for (const payment of payments) await this.recorder.advance(manager, payment, [{ status: 'P_CANCELLED', at: now, detail }], source, by);
    const recordId = await this.idempotency.heldFor(manager, resourceId);
    if (recordId) await this.idempotency.settle(manager, recordId);
    await this.ledger.append(manager, [
      recordEvent({ kind: 'payment', action: 'payment.cancelled', resourceType: 'payment', resourceId, by, detail: { detail }, at: now }),
    ]);
    await this.announceAll(manager, 'payment.cancelled', payments, extra);
  }

  private async announceAll(
    manager: EntityManager,
    type: 'payment.scheduled' | 'payment.cancelled',
    payments: PaymentEntity[],
    extra: object,
  ): Promise<void> {
    const views = [];
    for (const payment of payments) views.push({ ...(await this.payments.view(payment.paymentId, manager))!, ...extra });
    await this.outbox.append(
      manager,
      views.map((view) => paymentEvent(type, view)),
    );
  }
}
