import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import type { Payment, PaymentStatus } from '#qbank/contract';
import { WebhookEventEntity } from '../webhooks/webhook-event.entity.js';
import { PaymentBatch, PaymentEntity, PaymentStatusChange, type StatusSource } from './payment.entity.js';
import { isFinal, transition } from './payment-state.js';
import { batchView, paymentView, type BatchView, type PaymentView } from './payment.view.js';

/**
 * The stored payments and their histories. Every status change goes through `applyStatus`, which
 * enforces the state machine; callers pass the transaction's entity manager.
 */
@Injectable()
export class PaymentStore {
  private readonly logger = new Logger(PaymentStore.name);

  constructor(private readonly dataSource: DataSource) {}

  /** Inserts payments (and their batch) not yet stored, each with its first status, P_PENDING. */
  async createPending(manager: EntityManager, payments: PaymentEntity[], batch?: PaymentBatch): Promise<void> {
    if (batch && !(await manager.existsBy(PaymentBatch, { batchId: batch.batchId }))) await manager.insert(PaymentBatch, batch);
    const fresh = [];
    for (const payment of payments) if (!(await manager.existsBy(PaymentEntity, { paymentId: payment.paymentId }))) fresh.push(payment);
    for (let i = 0; i < fresh.length; i += 100) {
      const chunk = fresh.slice(i, i + 100);
      await manager.insert(PaymentEntity, chunk);
      await manager.insert(
        PaymentStatusChange,
        chunk.map((p) => ({
          id: randomUUID(),
          paymentId: p.paymentId,
          status: 'P_PENDING' as const,
          source: 'gateway' as const,
          at: p.createdAt,
          detail: null,
        })),
      );
    }
  }

  /**
   * Moves a payment to `status` if the state machine allows it, with its history entry. Returns
   * whether anything changed.
   */
  async applyStatus(
    manager: EntityManager,
    payment: PaymentEntity,
    status: PaymentStatus,
    source: StatusSource,
    at: Date,
    failureReason: string | null = null,
  ): Promise<boolean> {
    const verdict = transition(payment.status, status);
    if (verdict === 'illegal') {
      this.logger.warn(
        { payment_id: payment.paymentId, from: payment.status, to: status, source },
        'illegal payment status change refused',
      );
      return false;
    }
    if (verdict !== 'apply') return false;
    payment.status = status;
    payment.updatedAt = new Date();
    if (status === 'P_FAILED' && failureReason) payment.failureReason = failureReason.slice(0, 500);
    await manager.update(
      PaymentEntity,
      { paymentId: payment.paymentId },
      { status, updatedAt: payment.updatedAt, failureReason: payment.failureReason },
    );
    await manager.insert(PaymentStatusChange, {
      id: randomUUID(),
      paymentId: payment.paymentId,
      status,
      source,
      at,
      detail: failureReason,
    });
    return true;
  }

  /**
   * What QBank says of a payment: its id (first time), each status of its history that is news, then
   * any webhook that arrived before the gateway knew QBank's id.
   */
  async applyQBank(
    manager: EntityManager,
    payment: PaymentEntity,
    qbank: Omit<Payment, 'timestamp' | 'actor' | 'request_id'>,
    source: StatusSource,
  ): Promise<void> {
    if (!payment.qbankPaymentId) {
      payment.qbankPaymentId = qbank.payment_id;
      await manager.update(PaymentEntity, { paymentId: payment.paymentId }, { qbankPaymentId: qbank.payment_id });
    }
    const steps = [...(qbank.status_history ?? [])].sort((a, b) => a.at.localeCompare(b.at));
    if (!steps.some((s) => s.status === qbank.status)) steps.push({ status: qbank.status, at: qbank.updated_at });
    for (const step of steps) {
      await this.applyStatus(
        manager,
        payment,
        step.status,
        source,
        new Date(step.at),
        step.status === 'P_FAILED' ? (qbank.failure_reason ?? null) : null,
      );
    }
    await this.applyPendingWebhooks(manager, payment);
  }

  /** Webhooks received for this payment before its QBank id was known. */
  async applyPendingWebhooks(manager: EntityManager, payment: PaymentEntity): Promise<void> {
    if (!payment.qbankPaymentId) return;
    const pending = await manager.findBy(WebhookEventEntity, { qbankPaymentId: payment.qbankPaymentId, appliedAt: IsNull() });
    for (const event of pending) {
      const body = JSON.parse(event.payload) as { data?: { payment?: { failure_reason?: string | null; updated_at?: string } } };
      const at = body.data?.payment?.updated_at ? new Date(body.data.payment.updated_at) : event.receivedAt;
      await this.applyStatus(manager, payment, event.status as PaymentStatus, 'webhook', at, body.data?.payment?.failure_reason ?? null);
      await manager.update(WebhookEventEntity, { id: event.id }, { appliedAt: new Date() });
    }
  }

  async view(paymentId: string, manager: EntityManager = this.dataSource.manager): Promise<PaymentView | undefined> {
    const payment = await manager.findOneBy(PaymentEntity, { paymentId });
    if (!payment) return undefined;
    const history = await manager.find(PaymentStatusChange, { where: { paymentId }, order: { at: 'ASC' } });
    return paymentView(payment, history);
  }

  async batchView(batchId: string, manager: EntityManager = this.dataSource.manager): Promise<BatchView | undefined> {
    const batch = await manager.findOneBy(PaymentBatch, { batchId });
    if (!batch) return undefined;
    const payments = await manager.find(PaymentEntity, { where: { batchId }, order: { batchIndex: 'ASC' } });
    const history = await manager
      .createQueryBuilder(PaymentStatusChange, 'h')
      .innerJoin(PaymentEntity, 'p', 'p.payment_id = h.payment_id')
      .where('p.batch_id = :batchId', { batchId })
      .orderBy('h.at', 'ASC')
      .getMany();
    const byPayment = new Map<string, PaymentStatusChange[]>();
    for (const h of history) byPayment.set(h.paymentId, [...(byPayment.get(h.paymentId) ?? []), h]);
    return batchView(
      batch,
      payments.map((p) => paymentView(p, byPayment.get(p.paymentId) ?? [])),
    );
  }

  unresolved(payment: PaymentEntity): boolean {
    return !isFinal(payment.status);
  }
}
