import { Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { GatewayConfig } from '../config/gateway-config.js';
import { LeasedJob } from '../leases/leased-job.js';
import { Leases } from '../leases/leases.js';
import { ApprovalsService } from './approvals.service.js';

/** Requests ended per run; the next run continues. */
const BATCH = 100;

/**
 * Every `APPROVALS_EXPIRY_INTERVAL_SECONDS`, on the one replica that holds the `approvals-expiry` lease,
 * payments still awaiting approval past their `expires_at` are ended (P_EXPIRED, limits given back, actor
 * `system`). A decision arriving after `expires_at` but before the job expires the payment the same way.
 */
@Injectable()
export class ApprovalExpiryJob extends LeasedJob {
  constructor(
    private readonly approvals: ApprovalsService,
    leases: Leases,
    registry: SchedulerRegistry,
    config: GatewayConfig,
  ) {
    super('approvals-expiry', config.approvals.expiryIntervalSeconds * 1000, leases, registry);
  }

  /** Answers how many payments it expired. */
  protected async work(): Promise<number> {
    const expired = await this.approvals.expireDue(BATCH);
    if (expired > 0) this.logger.log({ expired }, 'payments awaiting approval expired');
    return expired;
  }
}
