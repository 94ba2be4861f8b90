import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { GatewayConfig } from '../config/gateway-config.js';
import { Leases } from '../leases/leases.js';
import { SchedulerService } from './scheduler.service.js';

const LEASE = 'payments-scheduler';
/** Requests released per run; the next run continues. */
const BATCH = 100;

/**
 * Every `SCHEDULER_INTERVAL_SECONDS`, on the one replica that holds the lease, scheduled payments whose
 * window has opened are sent to QBank (contract §15).
 */
@Injectable()
export class SchedulerJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SchedulerJob.name);
  private running: Promise<number> | undefined;

  constructor(
    private readonly scheduler: SchedulerService,
    private readonly leases: Leases,
    private readonly registry: SchedulerRegistry,
    private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.registry.addInterval(
      LEASE,
      setInterval(() => void this.run(), this.config.payments.schedulerIntervalSeconds * 1000),
    );
  }

  /** One run (the schedule's, or a test's): answers how many scheduled requests it sent. */
  run(): Promise<number> {
    this.running ??= this.release()
      .catch((err: unknown) => {
        this.logger.error({ err }, 'scheduled payments not released');
        return 0;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async release(): Promise<number> {
    if (!(await this.leases.acquire(LEASE, 2 * this.config.payments.schedulerIntervalSeconds * 1000))) return 0;
    try {
      const released = await this.scheduler.releaseDue(BATCH);
      if (released > 0) this.logger.log({ released }, 'scheduled payments sent');
      return released;
    } finally {
      await this.leases.release(LEASE);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.registry.doesExist('interval', LEASE)) this.registry.deleteInterval(LEASE);
    await this.running;
  }
}
