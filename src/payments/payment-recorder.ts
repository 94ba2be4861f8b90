import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Payment, PaymentStatus, Unstamped } from '#qbank/contract';
import { QBANK, recordEvent, type AuditActor } from '../audit/audit-event.factory.js';
import { AuditLedger } from '../audit/audit-ledger.js';
import { Clock } from '../common/clock.js';
import { formatMinor, parseMinor } from '../common/money.js';
import { Database } from '../database/database.js';
import { Outbox } from '../events/outbox.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { WebhookEventEntity } from '../webhooks/webhook-event.entity.js';
import { WebhookInboxRepository } from '../webhooks/webhook-inbox.repository.js';
import { PaymentBatch, PaymentEntity, PaymentStatusChange, type StatusSource } from './payment.entity.js';
import { paymentEvent } from './payment-events.js';
import { PaymentLimits } from './payment-limits.js';
import { PaymentRepository } from './payment.repository.js';
import { givesLimitsBack, transition, type PaymentState } from './payment-state.js';
import { paymentView } from './payment.view.js';

/** What became of a webhook: it changed the payment's status, changed nothing, or contradicted the payment. */
export type WebhookResult = 'applied' | 'unchanged' | 'refused';

/** One status a payment took, as someone reported it. */
export interface StatusStep {
  status: PaymentState;
  at: Date;
  detail?: string | null;
}

/** QBank's payment as the webhook carries it. */
interface WebhookPayment {
  amount?: unknown;
  currency?: unknown;
  failure_reason?: string | null;
  updated_at?: string;
}

/**
 * Records what happens to payments, in the caller's transaction: their creation and each status change,
 * through the state machine, with its history entry and its audit event (attributed to whoever caused it:
 * the caller, `qbank` for a webhook, `system` for the recovery job). A payment that fails gives its
 * reservation of the daily limit back.
 */
@Injectable()
export class PaymentRecorder {
  private readonly logger = new Logger(PaymentRecorder.name);

  constructor(
    private readonly payments: PaymentRepository,
    private readonly ledger: AuditLedger,
    private readonly limits: PaymentLimits,
    private readonly inbox: WebhookInboxRepository,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
    private readonly db: Database,
    private readonly outbox: Outbox,
  ) {}

  /**
   * New payments (and their ACH batch), each P_PENDING, with their `payment.created` audit events and
   * outbox events; returns their history.
   */
  async created(manager: EntityManager, payments: PaymentEntity[], by: AuditActor, batch?: PaymentBatch): Promise<PaymentStatusChange[]> {
    const history = payments.map((p) => historyEntry(p.paymentId, { status: p.status, at: p.createdAt }, 'gateway'));
    await this.payments.insert(manager, payments, history, batch);
    await this.ledger.append(
      manager,
      payments.map((p) =>
        recordEvent({
          kind: 'payment',
          action: 'payment.created',
          resourceType: 'payment',
          resourceId: p.paymentId,
          by,
          detail: { type: p.type, status: p.status, amount: formatMinor(p.amountMinor), currency: p.currency, batch_id: p.batchId },
        }),
      ),
    );
    await this.outbox.append(
      manager,
      payments.map((p) =>
        paymentEvent(
          'payment.created',
          paymentView(
            p,
            history.filter((h) => h.paymentId === p.paymentId),
          ),
        ),
      ),
    );
    return history;
  }

  /**
   * Moves `payment` through `steps` (oldest first) as far as the state machine allows, and names QBank's
   * id for it when given; returns the history entries written (none when nothing changed).
   */
  async advance(
    manager: EntityManager,
    payment: PaymentEntity,
    steps: StatusStep[],
    source: StatusSource,
    by: AuditActor,
    qbankPaymentId?: string,
  ): Promise<PaymentStatusChange[]> {
    const from = payment.status;
    const changes: PaymentStatusChange[] = [];
    for (const step of steps) {
      const verdict = transition(payment.status, step.status);
      if (verdict === 'illegal')
        this.logger.warn(
          { payment_id: payment.paymentId, from: payment.status, to: step.status, source },
          'illegal payment status change refused',
        );
      if (verdict !== 'apply') continue;
      payment.status = step.status;
      if (step.status === 'P_FAILED' && step.detail) payment.failureReason = step.detail.slice(0, 500);
      changes.push(historyEntry(payment.paymentId, step, source));
    }
    const named = qbankPaymentId !== undefined && payment.qbankPaymentId === null;
    if (named) payment.qbankPaymentId = qbankPaymentId;
    if (changes.length === 0 && !named) return [];
    payment.updatedAt = this.clock.now();
    await this.payments.update(manager, payment.paymentId, {
      status: payment.status,
      failureReason: payment.failureReason,
      qbankPaymentId: payment.qbankPaymentId,
      updatedAt: payment.updatedAt,
    });
    if (changes.length === 0) return [];
    await this.payments.insertHistory(manager, changes);
    if (givesLimitsBack(payment.status)) await this.limits.release(manager, payment);
    const moves = changes.map((change, i) => ({ change, from: i === 0 ? from : changes[i - 1]!.status }));
    await this.ledger.append(
      manager,
      moves.map(({ change, from: previous }) =>
        recordEvent({
          kind: 'payment',
          action: 'payment.status_changed',
          resourceType: 'payment',
          resourceId: payment.paymentId,
          by,
          detail: { from: previous, to: change.status, source, qbank_payment_id: payment.qbankPaymentId },
        }),
      ),
    );
    const view = paymentView(payment, await this.payments.history(manager, payment.paymentId));
    await this.outbox.append(
      manager,
      moves.map(({ change, from: previous }) => paymentEvent('payment.status_changed', view, { from: previous, to: change.status })),
    );
    return changes;
  }

  /**
   * A decision that leaves the payments' status as it is (one approval of several): a history entry each
   * (with `detail`), in the caller's transaction.
   */
  async noted(manager: EntityManager, payments: PaymentEntity[], detail: string, source: StatusSource): Promise<void> {
    const at = this.clock.now();
    await this.payments.insertHistory(
      manager,
      payments.map((p) => historyEntry(p.paymentId, { status: p.status, at, detail }, source)),
    );
  }

  /** What QBank says of a payment: its id, and each status of its history that is news. */
  applyQBank(
    manager: EntityManager,
    payment: PaymentEntity,
    qbank: Unstamped<Payment>,
    source: StatusSource,
    by: AuditActor,
  ): Promise<PaymentStatusChange[]> {
    const steps: StatusStep[] = [...(qbank.status_history ?? [])]
      .sort((a, b) => a.at.localeCompare(b.at))
      .map((step) => ({ status: step.status, at: new Date(step.at) }));
    if (!steps.some((s) => s.status === qbank.status)) steps.push({ status: qbank.status, at: new Date(qbank.updated_at) });
    for (const step of steps) if (step.status === 'P_FAILED') step.detail = qbank.failure_reason ?? null;
    return this.advance(manager, payment, steps, source, by, qbank.payment_id.toLowerCase());
  }

  /**
   * Applies the webhooks waiting for this payment (it has its QBank id), each once: an event whose amount
   * or currency differs from the stored payment is refused — kept, with why, audited and counted — never
   * applied. Returns what became of each event, by its id.
   */
  async applyWaitingWebhooks(manager: EntityManager, payment: PaymentEntity, by: AuditActor): Promise<Map<string, WebhookResult>> {
    const results = new Map<string, WebhookResult>();
    if (!payment.qbankPaymentId) return results;
    for (const event of await this.inbox.waiting(manager, [payment.qbankPaymentId])) {
      const result = await this.applyWebhook(manager, payment, event, by);
      if (result) results.set(event.id, result);
    }
    return results;
  }

  /**
   * Applies the webhooks that arrived before the gateway knew which payments they are, for these QBank
   * ids, each in a transaction of its own; answers how many status changes were written. Call it once the
   * transaction that recorded the ids has committed, as the webhook receiver calls it after storing an
   * event it could not place yet: each of the two then reads what the other committed before it, so an
   * event arriving meanwhile is applied by one of them — and, as events are claimed first, by one only.
   * (Checking inside the recording transaction would miss it: neither sees the other's uncommitted rows.)
   * Returns what became of each event applied, by its id.
   */
  async applyEarlyWebhooks(qbankPaymentIds: string[]): Promise<Map<string, WebhookResult>> {
    const results = new Map<string, WebhookResult>();
    for (const qbankPaymentId of await this.inbox.withWaiting(qbankPaymentIds))
      await this.db.transaction(async (manager) => {
        const [payment] = await this.payments.forUpdate(manager, { qbankPaymentId });
        if (payment) for (const [id, result] of await this.applyWaitingWebhooks(manager, payment, QBANK)) results.set(id, result);
      });
    return results;
  }

  private async applyWebhook(
    manager: EntityManager,
    payment: PaymentEntity,
    event: WebhookEventEntity,
    by: AuditActor,
  ): Promise<WebhookResult | undefined> {
    const reported = (JSON.parse(event.payload) as { data?: { payment?: WebhookPayment } }).data?.payment ?? {};
    const refusal = contradiction(payment, reported);
    if (!(await this.inbox.claim(manager, event.id, this.clock.now(), refusal))) return undefined; // another transaction has it
    if (refusal) {
      this.metrics.webhookRefusals.inc();
      this.logger.warn(
        { payment_id: payment.paymentId, webhook_event_id: event.eventId, refusal },
        'webhook refused: it contradicts the stored payment',
      );
      await this.ledger.append(manager, [
        recordEvent({
          kind: 'payment',
          action: 'payment.webhook_refused',
          resourceType: 'payment',
          resourceId: payment.paymentId,
          outcome: 'client_error',
          by,
          detail: { webhook_event_id: event.eventId, status: event.status, refusal },
        }),
      ]);
      return 'refused';
    }
    const at = reported.updated_at ? new Date(reported.updated_at) : event.receivedAt;
    const step = { status: event.status as PaymentStatus, at, detail: reported.failure_reason ?? null };
    return (await this.advance(manager, payment, [step], 'webhook', by)).length > 0 ? 'applied' : 'unchanged';
  }
}

function historyEntry(paymentId: string, step: StatusStep, source: StatusSource): PaymentStatusChange {
  return { id: randomUUID(), paymentId, status: step.status, source, at: step.at, detail: step.detail ?? null };
}

/** Why a webhook's payment is not the stored one (its amount or currency differs), or null when it agrees. */
function contradiction(payment: PaymentEntity, reported: WebhookPayment): string | null {
  const amount = typeof reported.amount === 'string' ? safeMinor(reported.amount) : undefined;
  if (amount !== payment.amountMinor)
    return `amount ${String(reported.amount)} differs from the payment's ${formatMinor(payment.amountMinor)}`;
  if (reported.currency !== payment.currency) return `currency ${String(reported.currency)} differs from the payment's ${payment.currency}`;
  return null;
}

function safeMinor(amount: string): bigint | undefined {
  try {
    return parseMinor(amount);
  } catch {
    return undefined;
  }
}
