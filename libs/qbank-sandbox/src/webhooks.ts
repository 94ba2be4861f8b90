import { createHmac, randomUUID } from 'node:crypto';
import { request } from 'undici';
import type { Payment, Unstamped, WebhookEvent } from '#qbank/contract';

export interface WebhookDelivery {
  event_id: string;
  payment_id: string;
  status: string;
  attempts: number;
  delivered: boolean;
  last_status: number | null;
  last_error: string | null;
}

export interface WebhookSettings {
  url: string | null;
  secret: string;
  maxAttempts: number;
  retryBaseMs: number;
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` (see the OpenAPI document). */
export function signWebhook(rawBody: string, secret: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${rawBody}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

const MAX_CONCURRENT = 16;
const MAX_DELAY_MS = 60_000;

/**
 * Delivers `paymentStatusUpdate` events: each attempt signed afresh with its own `Webhook-Event-ID`,
 * retried with exponential back-off until a 2xx or the attempt cap.
 */
export class WebhookDispatcher {
  readonly deliveries: WebhookDelivery[] = [];
  private readonly queue: { delivery: WebhookDelivery; body: string }[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private active = 0;
  private closed = false;

  constructor(private readonly settings: () => WebhookSettings) {}

  paymentFinal(payment: Unstamped<Payment>): void {
    const { url } = this.settings();
    if (!url || this.closed) return;
    const now = new Date().toISOString();
    const event: WebhookEvent = {
      event_id: randomUUID(),
      event_type: 'paymentStatusUpdate',
      created_at: now,
      data: { payment: { ...payment, timestamp: now, actor: 'qbank', request_id: randomUUID() } },
    };
    const delivery: WebhookDelivery = {
      event_id: event.event_id,
      payment_id: payment.payment_id,
      status: payment.status,
      attempts: 0,
      delivered: false,
      last_status: null,
      last_error: null,
    };
    this.deliveries.push(delivery);
    if (this.deliveries.length > 50_000) this.deliveries.splice(0, 10_000);
    this.queue.push({ delivery, body: JSON.stringify(event) });
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.active < MAX_CONCURRENT && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.active += 1;
      void this.attempt(job.delivery, job.body).finally(() => {
        this.active -= 1;
        this.pump();
      });
    }
  }

  private async attempt(delivery: WebhookDelivery, body: string): Promise<void> {
    const { url, secret, maxAttempts, retryBaseMs } = this.settings();
    if (!url) return;
    delivery.attempts += 1;
    const signatures = secret
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const t = Math.floor(Date.now() / 1000);
    const header = [`t=${t}`, ...signatures.map((s) => signWebhook(body, s, t).split(',')[1])].join(',');
    try {
      const response = await request(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-event-id': randomUUID(),
          'webhook-signature': header,
        },
        body,
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      await response.body.dump();
      delivery.last_status = response.statusCode;
      delivery.last_error = null;
      delivery.delivered = response.statusCode >= 200 && response.statusCode < 300;
    } catch (error) {
      delivery.last_error = (error as Error).message;
    }
    if (!delivery.delivered && delivery.attempts < maxAttempts && !this.closed) {
      const delay = Math.min(MAX_DELAY_MS, retryBaseMs * 2 ** (delivery.attempts - 1));
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.queue.push({ delivery, body });
        this.pump();
      }, delay);
      this.timers.add(timer);
    }
  }

  /** Deliveries not yet acknowledged and still to be tried. */
  get pending(): number {
    return this.queue.length + this.active + this.timers.size;
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.queue.length = 0;
  }
}
