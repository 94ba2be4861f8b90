import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from '../common/clock.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { Database } from '../database/database.js';
import { Leases } from '../leases/leases.js';
import { EventDelivery, OutboxEvent } from './event.entity.js';

const LEASE = 'events-retention';

/**
 * Every `EVENTS_RETENTION_INTERVAL_SECONDS`, on the one replica that holds the lease: deliveries delivered
 * more than `EVENTS_RETENTION_DAYS` ago are removed with their attempts, then the events older than that
 * with nothing left to deliver (pending or failed deliveries keep their event: visible, redeliverable).
 * Feed followers further behind than the retention never see the events removed.
 */
@Injectable()
export class EventsRetentionJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventsRetentionJob.name);
  private running: Promise<number> | undefined;

  constructor(
    private readonly db: Database,
    private readonly leases: Leases,
    private readonly clock: Clock,
    private readonly registry: SchedulerRegistry,
    private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.registry.addInterval(
      LEASE,
      setInterval(() => void this.run(), this.config.events.retentionIntervalSeconds * 1000),
    );
  }

  /** One run (the schedule's, or a test's): answers how many events it removed. */
  run(): Promise<number> {
    this.running ??= this.remove()
      .catch((err: unknown) => {
        this.logger.error({ err }, 'event retention failed');
        return 0;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async remove(): Promise<number> {
    if (!(await this.leases.acquire(LEASE, 2 * this.config.events.retentionIntervalSeconds * 1000))) return 0;
    try {
      const cutoff = new Date(this.clock.now().getTime() - this.config.events.retentionDays * 86_400_000);
      const removed = await this.db.transaction(async (manager) => {
        // Attempts go with their delivery, deliveries with their event (ON DELETE CASCADE).
        await manager
          .createQueryBuilder()
          .delete()
          .from(EventDelivery)
          .where('status = :delivered AND delivered_at < :cutoff', { delivered: 'delivered', cutoff })
          .execute();
        const events = await manager
          .createQueryBuilder()
          .delete()
          .from(OutboxEvent)
          .where('occurred_at < :cutoff', { cutoff })
          .andWhere('NOT EXISTS (SELECT 1 FROM event_deliveries d WHERE d.event_seq = events.seq)')
          .execute();
        return events.affected ?? 0;
      });
      if (removed > 0) this.logger.log({ removed }, 'delivered events past retention removed');
      return removed;
    } finally {
      await this.leases.release(LEASE);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.registry.doesExist('interval', LEASE)) this.registry.deleteInterval(LEASE);
    await this.running;
  }
}
