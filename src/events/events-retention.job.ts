import { Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from '../common/clock.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { Database } from '../database/database.js';
import { LeasedJob } from '../leases/leased-job.js';
import { Leases } from '../leases/leases.js';
import { EventDelivery, OutboxEvent } from './event.entity.js';

/**
 * Every `EVENTS_RETENTION_INTERVAL_SECONDS`, on the one replica that holds the `events-retention` lease: deliveries delivered
 * more than `EVENTS_RETENTION_DAYS` ago are removed with their attempts, then the events older than that
 * with nothing left to deliver (pending or failed deliveries keep their event: visible, redeliverable).
 * Feed followers further behind than the retention never see the events removed.
 */
@Injectable()
export class EventsRetentionJob extends LeasedJob {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly config: GatewayConfig,
    leases: Leases,
    registry: SchedulerRegistry,
  ) {
    super('events-retention', config.events.retentionIntervalSeconds * 1000, leases, registry);
  }

  /** Answers how many events it removed. */
  protected async work(): Promise<number> {
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
  }
}
