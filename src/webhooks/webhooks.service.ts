import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { verifyWebhookSignature } from '#qbank/client';
import type { PaymentStatus } from '#qbank/contract';
import { GatewayConfig } from '../config/gateway-config.js';
import { GatewayError, ValidationFailedError } from '../common/errors/gateway-errors.js';
import { UUID_PATTERN } from '../common/request-context.js';
import { TransactionRunner } from '../database/transaction-runner.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { PaymentStore } from '../payments/payment-store.js';
import { WebhookEventEntity } from './webhook-event.entity.js';

const FINAL: readonly string[] = ['P_COMPLETED', 'P_FAILED'];

interface PaymentStatusUpdate {
  event_id?: unknown;
  event_type?: unknown;
  data?: { payment?: { payment_id?: unknown; status?: unknown; failure_reason?: unknown; updated_at?: unknown } };
}

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
    private readonly transactions: TransactionRunner,
    private readonly store: PaymentStore,
    private readonly metrics: MetricsService,
  ) {}

  async receive(rawBody: Buffer | undefined, signature: string | undefined, deliveryId: string | undefined): Promise<WebhookOutcome> {
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
    const payment = event.data!.payment!;
    const qbankPaymentId = String(payment.payment_id).toLowerCase();
    const status = payment.status as PaymentStatus;
    const dedupeKey = `${qbankPaymentId}:${status}`;
    const outcome = await this.transactions.transaction(async (manager): Promise<WebhookOutcome> => {
      if (await manager.existsBy(WebhookEventEntity, { dedupeKey })) return { received: true, duplicate: true, applied: false };
      const row: WebhookEventEntity = {
        id: randomUUID(),
        dedupeKey,
        eventId: typeof event.event_id === 'string' ? event.event_id.slice(0, 64) : '',
        deliveryId: deliveryId?.slice(0, 64) ?? null,
        qbankPaymentId,
        status,
        receivedAt: new Date(),
        appliedAt: null,
        payload: rawBody!.toString('utf8'),
      };
      await manager.insert(WebhookEventEntity, row);
      const [stored] = await this.store.lockedPayments(manager, { qbankPaymentId });
      if (!stored) return { received: true, duplicate: false, applied: false };
      await this.store.applyPendingWebhooks(manager, stored);
      return { received: true, duplicate: false, applied: true };
    });
    // Not placed yet (or, for a delivery QBank repeats, still waiting): QBank's answer naming this payment may
    // have been recorded meanwhile (see applyLateWebhooks). Should this fail, QBank's next delivery re-drives it.
    if (!outcome.applied && (await this.store.applyLateWebhooks([qbankPaymentId])) > 0) outcome.applied = true;
    this.metrics.webhooks.labels(outcome.duplicate ? 'duplicate' : outcome.applied ? 'applied' : 'pending').inc();
    return outcome;
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
