import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { GatewayConfig } from '../config/gateway-config.js';
import { Leases } from '../leases/leases.js';
import { ApprovalsService } from './approvals.service.js';

const LEASE = 'approvals-expiry';
/** Requests ended per run; the next run continues. */
const BATCH = 100;

/**
 * Every `APPROVALS_EXPIRY_INTERVAL_SECONDS`, on the one replica that holds the lease, payments still
 * awaiting approval past their `expires_at` are ended (P_EXPIRED, limits given back, actor `system`).
 * A decision arriving after `expires_at` but before the job expires the payment the same way.
 */
@Injectable()
export class ApprovalExpiryJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ApprovalExpiryJob.name);
  private running: Promise<number> | undefined;

  constructor(
    private readonly approvals: ApprovalsService,
    private readonly leases: Leases,
    private readonly registry: SchedulerRegistry,
    private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.registry.addInterval(
      LEASE,
      setInterval(() => void this.run(), this.config.approvals.expiryIntervalSeconds * 1000),
    );
  }

  /** One run (the schedule's, or a test's): answers how many payments it expired. */
  run(): Promise<number> {
    this.running ??= this.expire()
      .catch((err: unknown) => {
        this.logger.error({ err }, 'approval expiry failed');
        return 0;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async expire(): Promise<number> {
    if (!(await this.leases.acquire(LEASE, 2 * this.config.approvals.expiryIntervalSeconds * 1000))) return 0;
    try {
      const expired = await this.approvals.expireDue(BATCH);
      if (expired > 0) this.logger.log({ expired }, 'payments awaiting approval expired');
      return expired;
    } finally {
      await this.leases.release(LEASE);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.registry.doesExist('interval', LEASE)) this.registry.deleteInterval(LEASE);
    await this.running;
  }
}
