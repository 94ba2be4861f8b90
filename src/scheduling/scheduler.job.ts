import { Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { GatewayConfig } from '../config/gateway-config.js';
import { LeasedJob } from '../leases/leased-job.js';
import { Leases } from '../leases/leases.js';
import { SchedulerService } from './scheduler.service.js';

/** Requests released per run; the next run continues. */
const BATCH = 100;

/**
 * Every `SCHEDULER_INTERVAL_SECONDS`, on the one replica that holds the `payments-scheduler` lease,
 * scheduled payments whose window has opened are sent to QBank (contract §15).
 */
@Injectable()
export class SchedulerJob extends LeasedJob {
  constructor(
    private readonly scheduler: SchedulerService,
    leases: Leases,
    registry: SchedulerRegistry,
    config: GatewayConfig,
  ) {
    super('payments-scheduler', config.payments.schedulerIntervalSeconds * 1000, leases, registry);
  }

  /** Answers how many scheduled requests it sent. */
  protected async work(): Promise<number> {
    const released = await this.scheduler.releaseDue(BATCH);
    if (released > 0) this.logger.log({ released }, 'scheduled payments sent');
    return released;
  }
}
