import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { GatewayConfig } from '../config/gateway-config.js';
import { Database } from '../database/database.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { AuditEvent } from './audit-event.entity.js';
import { AuditLedger } from './audit-ledger.js';

/** Events kept in memory while the database is unreachable, before the oldest are dropped (and counted). */
const MAX_BACKLOG = 100_000;

interface Queued {
  event: AuditEvent;
  done?: (error?: unknown) => void;
}

/**
 * Writes the audit events of calls in batches (each batch chained by the ledger in one transaction): whatever is queued goes to the database in one transaction, at most
 * `audit.flushIntervalMs` after it was queued. A caller that needs its event committed before it answers
 * (`durable`) gets a promise that settles with the commit of its batch (group commit). On shutdown the
 * queue is written out before the database closes.
 */
@Injectable()
export class AuditWriter implements OnApplicationShutdown {
  private readonly logger = new Logger(AuditWriter.name);
  private queue: Queued[] = [];
  private flushing: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private dropped = 0;

  constructor(
    private readonly db: Database,
    private readonly ledger: AuditLedger,
    private readonly config: GatewayConfig,
    private readonly metrics: MetricsService,
  ) {
    metrics.gauge('gateway_audit_backlog', 'Audit events of calls answered but not yet written', [], (gauge) =>
      gauge.set(this.queue.length),
    );
    this.timer = setInterval(() => void this.flush(), config.audit.flushIntervalMs);
    this.timer.unref();
  }

  get backlog(): number {
    return this.queue.length;
  }

  record(event: AuditEvent): void {
    if (this.queue.length >= MAX_BACKLOG) {
      this.queue.shift();
      this.dropped += 1;
    }
    this.queue.push({ event });
    if (this.queue.length >= this.config.audit.maxBatchSize) void this.flush();
  }

  /** Queues the event and resolves once it is committed. */
  recordDurably(event: AuditEvent): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({
        event,
        done: (error) => (error ? reject(error instanceof Error ? error : new Error('audit write failed')) : resolve()),
      });
      void this.flush();
    });
  }

  /** Writes everything queued so far; concurrent calls share the running write and then write the rest. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.dropped > 0) {
      this.logger.error({ dropped: this.dropped }, 'audit events dropped: the backlog was full while the database could not be written');
      this.dropped = 0;
    }
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.flushing = this.write(batch).finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  private insert(batch: Queued[]): Promise<void> {
    return this.db.transaction((manager) =>
      this.ledger.append(
        manager,
        batch.map((b) => b.event),
      ),
    );
  }

  private async write(batch: Queued[]): Promise<void> {
    const stopTimer = this.metrics.auditWrite.startTimer();
    try {
      await this.insert(batch);
      stopTimer();
      for (const item of batch) item.done?.();
    } catch (error) {
      // One event the database refuses must not hold back the others: write them one by one. When some
      // pass, those that do not are refused for what they are (logged, dropped); when none pass, the
      // database itself is failing and the whole batch waits for the next attempt.
      if (batch.length > 1) {
        const refused: Queued[] = [];
        for (const item of batch) {
          try {
            await this.insert([item]);
            item.done?.();
          } catch (itemError) {
            refused.push(item);
            item.done?.(itemError);
            this.logger.error(
              { err: itemError, event_id: item.event.id, request_id: item.event.requestId },
              'audit event refused by the database',
            );
          }
        }
        if (refused.length < batch.length) return;
      }
      this.logger.error({ err: error, events: batch.length }, 'audit batch not written; kept for the next attempt');
      // Keep the events (oldest first) for the next flush; durable callers learn of the failure now.
      for (const item of batch) item.done?.(error);
      this.queue = [...batch.filter((b) => !b.done), ...this.queue].slice(-MAX_BACKLOG);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
