import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Counter } from 'prom-client';
import { In } from 'typeorm';
import { request } from 'undici';
import { Clock } from '../common/clock.js';
import { GatewayConfig, retryDelaysMs } from '../config/gateway-config.js';
import { Database } from '../database/database.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { EventDelivery, EventDeliveryAttempt, EventSubscription, OutboxEvent } from './event.entity.js';
import { EventSubscriptionsService } from './event-subscriptions.service.js';
import { Outbox } from './outbox.js';
import { signatureHeader } from './webhook-signature.js';

const INTERVAL = 'event-delivery';
/** Deliveries claimed and sent at once by one replica. */
const BATCH = 20;

interface Outcome {
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

/**
 * Sends the outbox's deliveries to subscribers (contract §14), on every replica:
 * - claims due deliveries in a short transaction — on PostgreSQL `FOR UPDATE SKIP LOCKED`, so two replicas
 *   never claim the same row — and marks them locked for twice the timeout: a replica that dies mid-send
 *   lets them go when that passes, and another sends them again (at least once, never lost);
 * - never claims a delivery while an earlier event of the same subject (payment) to the same subscription
 *   is still pending: one payment's events arrive in order;
 * - signs per Standard Webhooks (`webhook-id` = the event id on every attempt);
 * - 2xx within the timeout is delivered; 410 disables the subscription; anything else is retried on
 *   `EVENTS_RETRY_SCHEDULE`, after which the delivery has failed (visible, redeliverable).
 */
@Injectable()
export class EventDeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventDeliveryWorker.name);
  private readonly retryDelays: number[];
  private readonly outcomes: Counter<'outcome'>;
  private running: Promise<void> | undefined;
  private again = false;
  private stopping = false;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly config: GatewayConfig,
    private readonly registry: SchedulerRegistry,
    private readonly subscriptions: EventSubscriptionsService,
    private readonly outbox: Outbox,
    metrics: MetricsService,
  ) {
    this.retryDelays = retryDelaysMs(config.events);
    this.outcomes = new Counter({
      name: 'gateway_event_delivery_attempts_total',
      help: 'Attempts to deliver events to subscribers, by outcome (delivered, retry, failed, gone)',
      labelNames: ['outcome'] as const,
      registers: [metrics.registry],
    });
    metrics.gauge('gateway_event_deliveries', 'Deliveries of events to subscribers, by status (pending, failed)', ['status'], async (g) => {
      g.reset();
      const rows = await this.db.reader
        .createQueryBuilder(EventDelivery, 'd')
        .select('d.status', 'status')
        .addSelect('COUNT(*)', 'count')
        .where('d.status IN (:...statuses)', { statuses: ['pending', 'failed'] })
        .groupBy('d.status')
        .getRawMany<{ status: string; count: string | number }>();
      for (const status of ['pending', 'failed']) g.labels(status).set(Number(rows.find((r) => r.status === status)?.count ?? 0));
    });
    metrics.gauge('gateway_event_delivery_oldest_pending_seconds', 'Age of the oldest pending delivery (0: none)', [], async (g) => {
      const oldest = await this.db.reader.findOne(EventDelivery, { where: { status: 'pending' }, order: { createdAt: 'ASC' } });
      g.set(oldest ? Math.max(0, (this.clock.now().getTime() - oldest.createdAt.getTime()) / 1000) : 0);
    });
  }

  onApplicationBootstrap(): void {
    this.registry.addInterval(
      INTERVAL,
      setInterval(() => void this.run(), this.config.events.deliveryIntervalMs),
    );
    this.unsubscribe = this.outbox.onDeliveriesCommitted(() => void this.run());
  }

  /** Sends what is due until nothing is (the schedule's, an event's commit's, or a test's). */
  run(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        while (!this.stopping && (await this.pass()) === BATCH);
      } while (this.again && !this.stopping);
    })()
      .catch((err: unknown) => this.logger.error({ err }, 'event delivery failed'))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  /** One batch: claimed, sent concurrently, recorded; answers how many were claimed. */
  private async pass(): Promise<number> {
    const claimed = await this.claim();
    await Promise.all(claimed.map((c) => this.send(c.delivery, c.event, c.subscription)));
    return claimed.length;
  }

  private claim(): Promise<{ delivery: EventDelivery; event: OutboxEvent; subscription: EventSubscription }[]> {
    return this.db.transaction(async (manager) => {
      const now = this.clock.now();
      const q = manager
        .createQueryBuilder(EventDelivery, 'd')
        .select('d.id', 'id')
        .innerJoin(EventSubscription, 's', 's.id = d.subscription_id')
        .where('d.status = :pending', { pending: 'pending' })
        .andWhere('d.next_attempt_at <= :now', { now })
        .andWhere('(d.locked_until IS NULL OR d.locked_until < :now)')
        .andWhere('s.status = :active', { active: 'active' })
        // One subject's events in order: none while an earlier one to this subscription is still pending.
        .andWhere(
          `NOT EXISTS (SELECT 1 FROM event_deliveries p WHERE p.subscription_id = d.subscription_id AND p.subject = d.subject
             AND p.status = :pending AND p.event_seq < d.event_seq)`,
        )
        .orderBy('d.next_attempt_at', 'ASC')
        .addOrderBy('d.event_seq', 'ASC')
        .limit(BATCH);
      if (this.db.postgres) q.setLock('pessimistic_write', undefined, ['d']).setOnLocked('skip_locked');
      const ids = (await q.getRawMany<{ id: string }>()).map((r) => r.id);
      if (ids.length === 0) return [];
      const lockedUntil = new Date(now.getTime() + 2 * this.config.events.deliveryTimeoutMs);
      await manager.update(EventDelivery, { id: In(ids) }, { lockedUntil });
      const deliveries = await manager.findBy(EventDelivery, { id: In(ids) });
      const events = new Map(
        (await manager.findBy(OutboxEvent, { seq: In([...new Set(deliveries.map((d) => d.eventSeq))]) })).map((e) => [e.seq, e]),
      );
      const subs = new Map(
        (await manager.findBy(EventSubscription, { id: In([...new Set(deliveries.map((d) => d.subscriptionId))]) })).map((s) => [s.id, s]),
      );
      return deliveries
        .sort((a, b) => a.eventSeq - b.eventSeq)
        .map((delivery) => ({ delivery, event: events.get(delivery.eventSeq)!, subscription: subs.get(delivery.subscriptionId)! }));
    });
  }

  private async send(delivery: EventDelivery, event: OutboxEvent, subscription: EventSubscription): Promise<void> {
    const outcome = await this.post(event, subscription);
    const attempt = delivery.attempts + 1;
    const now = this.clock.now();
    const ok = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
    const gone = outcome.statusCode === 410;
    const delay = this.retryDelays[attempt - 1];
    const result = ok ? 'delivered' : gone ? 'gone' : delay === undefined ? 'failed' : 'retry';
    await this.db.transaction(async (manager) => {
      await manager.insert(EventDeliveryAttempt, {
        id: randomUUID(),
        deliveryId: delivery.id,
        attempt,
        attemptedAt: now,
        statusCode: outcome.statusCode,
        latencyMs: outcome.latencyMs,
        error: outcome.error,
      });
      await manager.update(
        EventDelivery,
        { id: delivery.id },
        {
          attempts: attempt,
          status: ok ? 'delivered' : result === 'retry' ? 'pending' : 'failed',
          nextAttemptAt: result === 'retry' ? new Date(now.getTime() + delay!) : now,
          lockedUntil: null,
          lastStatusCode: outcome.statusCode,
          lastError: outcome.error,
          deliveredAt: ok ? now : null,
        },
      );
      if (gone) {
        // The subscriber says the endpoint is gone for good: nothing more is sent to it.
        await manager.update(
          EventSubscription,
          { id: subscription.id },
          { status: 'disabled', disabledReason: 'its endpoint answered 410 Gone', updatedAt: now },
        );
        await manager.update(
          EventDelivery,
          { subscriptionId: subscription.id, status: 'pending' },
          { status: 'failed', lastError: 'subscription disabled: its endpoint answered 410 Gone' },
        );
      }
    });
    this.outcomes.labels(result).inc();
    if (result !== 'delivered')
      this.logger.warn(
        { subscription_id: subscription.id, event_id: event.id, attempt, status_code: outcome.statusCode, error: outcome.error, result },
        'event delivery not accepted',
      );
  }

  /** One POST of the event, signed; what the subscriber answered, and how fast. */
  private async post(event: OutboxEvent, subscription: EventSubscription): Promise<Outcome> {
    const timestamp = Math.floor(this.clock.now().getTime() / 1000);
    const started = performance.now();
    const timeout = this.config.events.deliveryTimeoutMs;
    try {
      const response = await request(subscription.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'qbank-gateway-events',
          'webhook-id': event.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signatureHeader(this.subscriptions.secretsOf(subscription), event.id, timestamp, event.body),
        },
        body: event.body,
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: AbortSignal.timeout(timeout),
      });
      await response.body.dump();
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      return { statusCode: response.statusCode, latencyMs: elapsed(started), error: ok ? null : `HTTP ${response.statusCode}` };
    } catch (error) {
      const message = (error as Error).name === 'TimeoutError' ? `no answer within ${timeout} ms` : (error as Error).message;
      return { statusCode: null, latencyMs: elapsed(started), error: message.slice(0, 500) };
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    if (this.registry.doesExist('interval', INTERVAL)) this.registry.deleteInterval(INTERVAL);
    await this.running;
  }
}

const elapsed = (started: number): number => Math.round(performance.now() - started);
