import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { verifyWebhookSignature } from '#qbank/client';
import type { PaymentStatus } from '#qbank/contract';
import type { AuditActor } from '../audit/audit-event.factory.js';
import { Clock } from '../common/clock.js';
import { GatewayError, ValidationFailedError } from '../common/errors/gateway-errors.js';
import { UUID_PATTERN } from '../common/request-context.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { Database } from '../database/database.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { PaymentRecorder } from '../payments/payment-recorder.js';
import { PaymentRepository } from '../payments/payment.repository.js';
import type { WebhookEventEntity } from './webhook-event.entity.js';
import { WebhookInboxRepository } from './webhook-inbox.repository.js';

const FINAL: readonly string[] = ['P_COMPLETED', 'P_FAILED'];

interface PaymentStatusUpdate {
  event_id?: unknown;
  event_type?: unknown;
  data?: { payment?: { payment_id?: unknown; status?: unknown } };
}

/**
 * `received`: stored; `duplicate`: the same change was received before; `applied`: it changed the payment's
 * status now (false when the payment is not recorded yet, already had that status, or the event contradicts it).
 */
export interface WebhookOutcome {
  received: true;
  duplicate: boolean;
  applied: boolean;
}

/**
 * QBank's `paymentStatusUpdate`: the signature is checked on the raw body before anything else; the
 * event is stored once per (payment, status) — deliveries are de-duplicated by content, since every
 * attempt has its own `Webhook-Event-ID` — and applied once; an event for a payment the gateway has not
 * recorded yet waits and is applied as soon as it is.
 */
@Injectable()
export class WebhooksService {
  private readonly logger = new Logger(WebhooksService.name);

  constructor(
    private readonly config: GatewayConfig,
    private readonly db: Database,
    private readonly inbox: WebhookInboxRepository,
    private readonly payments: PaymentRepository,
    private readonly recorder: PaymentRecorder,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
  ) {}

  async receive(
    rawBody: Buffer | undefined,
    signature: string | undefined,
    deliveryId: string | undefined,
    by: AuditActor,
  ): Promise<WebhookOutcome> {
    const verdict = verifyWebhookSignature({
      rawBody: rawBody ?? Buffer.alloc(0),
      header: signature,
      secrets: this.config.qbank.webhookSecrets,
      toleranceSeconds: this.config.webhooks.toleranceSeconds,
    });
    if (!verdict.valid) {
      this.metrics.webhooks.labels('rejected').inc();
      this.logger.warn({ reason: verdict.reason, delivery_id: deliveryId ?? null }, 'webhook refused: signature');
      throw new GatewayError(400, 'GW_WEBHOOK_SIGNATURE_INVALID', `Webhook signature ${verdict.reason}`);
    }
    let event: PaymentStatusUpdate;
    try {
      event = this.parse(rawBody!);
    } catch (error) {
      this.metrics.webhooks.labels('rejected').inc();
      throw error;
    }
    const qbankPaymentId = String(event.data!.payment!.payment_id).toLowerCase();
    const status = event.data!.payment!.status as PaymentStatus;
    const row: WebhookEventEntity = {
      id: randomUUID(),
      dedupeKey: `${qbankPaymentId}:${status}`,
      eventId: typeof event.event_id === 'string' ? event.event_id.slice(0, 64) : '',
      deliveryId: deliveryId?.slice(0, 64) ?? null,
      qbankPaymentId,
      status,
      receivedAt: this.clock.now(),
      appliedAt: null,
      refusal: null,
      payload: rawBody!.toString('utf8'),
    };
    const stored = await this.db.transaction(async (manager) => {
      // A repeated delivery may be of an event still waiting for its payment: it re-drives it below.
      if (!(await this.inbox.store(manager, row))) return { duplicate: true, result: undefined };
      const [payment] = await this.payments.forUpdate(manager, { qbankPaymentId });
      return {
        duplicate: false,
        result: payment ? (await this.recorder.applyWaitingWebhooks(manager, payment, by)).get(row.id) : undefined,
      };
    });
    // Not placed yet: QBank's answer naming this payment may have been recorded meanwhile (see
    // applyEarlyWebhooks). Should this fail, QBank's next delivery re-drives it.
    const result = stored.result ?? (await this.recorder.applyEarlyWebhooks([qbankPaymentId])).get(row.id);
    this.metrics.webhooks.labels(stored.duplicate ? 'duplicate' : (result ?? 'pending')).inc();
    return { received: true, duplicate: stored.duplicate, applied: result === 'applied' };
  }

  private parse(rawBody: Buffer): PaymentStatusUpdate {
    let event: PaymentStatusUpdate;
    try {
      event = JSON.parse(rawBody.toString('utf8')) as PaymentStatusUpdate;
    } catch {
      throw new ValidationFailedError('body: is not valid JSON');
    }
    if (event?.event_type !== 'paymentStatusUpdate') throw new ValidationFailedError('event_type: must be paymentStatusUpdate');
    const payment = event.data?.payment;
    if (typeof payment?.payment_id !== 'string' || !UUID_PATTERN.test(payment.payment_id))
      throw new ValidationFailedError('data.payment.payment_id: must be a UUID');
    if (typeof payment.status !== 'string' || !FINAL.includes(payment.status))
      throw new ValidationFailedError('data.payment.status: must be a final status');
    return event;
  }
}
