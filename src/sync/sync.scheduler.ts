import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { SYSTEM } from '../audit/audit-event.factory.js';
import { GatewayError } from '../common/errors/gateway-errors.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { DataAsOf } from './data-as-of.js';
import { SYNC_RESOURCES, type SyncResource } from './sync-run.entity.js';
import { SyncService } from './sync.service.js';

/**
 * The schedule only starts runs (the sync service does the work): one cron job per batch resource, in the
 * configured time zone, just after QBank's nightly publication; and at start-up one sync of each resource
 * never synced successfully (of every resource with `SYNC_ON_STARTUP=true`, the default in sandbox mode).
 * Every replica has the jobs; the lease lets one of them run.
 */
@Injectable()
export class SyncScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SyncScheduler.name);
  private startup: Promise<void> | undefined;

  constructor(
    private readonly sync: SyncService,
    private readonly registry: SchedulerRegistry,
    private readonly config: GatewayConfig,
    private readonly dataAsOf: DataAsOf,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { schedule, timeZone, scheduleEnabled, onStartup } = this.config.sync;
    if (scheduleEnabled) {
      const jobs: [SyncResource, string][] = [
        ['accounts', schedule.accounts],
        ['transactions', schedule.transactions],
        ['positivepay-exceptions', schedule.positivePayExceptions],
      ];
      for (const [resource, expression] of jobs) {
        const job = CronJob.from({ cronTime: expression, timeZone, onTick: () => void this.trigger(resource, 'schedule'), start: true });
        this.registry.addCronJob(`sync:${resource}`, job);
      }
    }
    const resources = onStartup === undefined ? await this.neverSynced() : onStartup ? SYNC_RESOURCES : [];
    if (onStartup === undefined)
      this.logger.log({ resources }, resources.length > 0 ? 'start-up sync: resources never synced' : 'start-up sync: none needed');
    if (resources.length > 0) this.startup = this.run(resources, 'startup');
  }

  private async neverSynced(): Promise<SyncResource[]> {
    const never: SyncResource[] = [];
    for (const resource of SYNC_RESOURCES) if ((await this.dataAsOf.of(resource)) === null) never.push(resource);
    return never;
  }

  /** Resolves when the start-up sync (if any) is over. */
  whenStarted(): Promise<void> {
    return this.startup ?? Promise.resolve();
  }

  /** One after another, in SYNC_RESOURCES' order. */
  private async run(resources: readonly SyncResource[], trigger: string): Promise<void> {
    for (const resource of resources) await this.trigger(resource, trigger, true);
  }

  private async trigger(resource: SyncResource, trigger: string, wait = false): Promise<void> {
    try {
      await this.sync.start(resource, trigger, SYSTEM, wait);
    } catch (error) {
      if (error instanceof GatewayError && error.errorCode === 'GW_SYNC_IN_PROGRESS')
        this.logger.log({ resource, trigger }, 'sync skipped: another replica runs it');
      else this.logger.error({ resource, trigger, err: error }, 'sync could not start');
    }
  }

  onApplicationShutdown(): void {
    for (const name of this.registry.getCronJobs().keys()) if (name.startsWith('sync:')) this.registry.deleteCronJob(name);
  }
}
