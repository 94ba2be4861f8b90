import { randomUUID } from 'node:crypto';
import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { recordEvent, type AuditActor } from '../audit/audit-event.factory.js';
import { AuditLedger } from '../audit/audit-ledger.js';
import { AccountsSyncer } from '../accounts/accounts.syncer.js';
import { Clock } from '../common/clock.js';
import { GatewayError } from '../common/errors/gateway-errors.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { Database } from '../database/database.js';
import { Outbox } from '../events/outbox.js';
import { Leases } from '../leases/leases.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { PositivePayExceptionsSyncer } from '../positivepay/positivepay-exceptions.syncer.js';
import { TransactionsSyncer } from '../transactions/transactions.syncer.js';
import { DataAsOf } from './data-as-of.js';
import { SYNC_RESOURCES, SyncRun, type SyncResource } from './sync-run.entity.js';
import { SyncRunRepository } from './sync-run.repository.js';
import { runView } from './sync-run.view.js';
import type { RunProgress, Syncer } from './syncer.js';

/**
 * Runs a sync: takes the resource's lease (one run across replicas), records the run, lets the resource's
 * syncer do the work page by page while renewing the lease and logging progress, and records the outcome
 * with its audit event and its `sync.completed` event.
 */
@Injectable()
export class SyncService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(SyncService.name);
  private readonly syncers: ReadonlyMap<SyncResource, Syncer>;
  private readonly running = new Set<Promise<SyncRun>>();
  private stopping = false;

  constructor(
    private readonly runs: SyncRunRepository,
    private readonly leases: Leases,
    private readonly db: Database,
    private readonly config: GatewayConfig,
    private readonly ledger: AuditLedger,
    private readonly metrics: MetricsService,
    private readonly dataAsOf: DataAsOf,
    private readonly clock: Clock,
    private readonly outbox: Outbox,
    accounts: AccountsSyncer,
    transactions: TransactionsSyncer,
    exceptions: PositivePayExceptionsSyncer,
  ) {
    this.syncers = new Map<SyncResource, Syncer>([accounts, transactions, exceptions].map((syncer) => [syncer.resource, syncer]));
    metrics.gauge(
      'gateway_sync_data_age_seconds',
      'Age of each synced resource: seconds since its last successful sync finished (absent before the first)',
      ['resource'],
      async (gauge) => {
        gauge.reset();
        for (const resource of SYNC_RESOURCES) {
          const at = await this.dataAsOf.of(resource).catch(() => null);
          if (at) gauge.labels(resource).set((this.clock.now().getTime() - at.getTime()) / 1000);
        }
      },
    );
  }

  /**
   * Starts a run; resolves with the recorded run once it started (`wait`: once it finished). Another
   * replica holding the lease → 409 GW_SYNC_IN_PROGRESS. `by`: who asked (a caller, or `system`).
   */
  async start(resource: SyncResource, trigger: string, by: AuditActor, wait = false): Promise<SyncRun> {
    const ttlMs = this.config.sync.leaseSeconds * 1000;
    if (!(await this.leases.acquire(leaseOf(resource), ttlMs)))
      throw new GatewayError(409, 'GW_SYNC_IN_PROGRESS', `A sync of ${resource} is already running`);
    const run: SyncRun = {
      id: randomUUID(),
      resource,
      trigger,
      holder: this.leases.holder,
      status: 'running',
      startedAt: this.clock.now(),
      finishedAt: null,
      pages: 0,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      watermark: null,
      error: null,
    };
    await this.db.transaction(async (manager) => {
      // Holding the lease, any run still marked running lost its process (its lease expired): say so.
      await this.runs.markAbandoned(manager, resource, run.startedAt);
      await this.runs.insert(manager, run);
    });
    const done = this.execute(run, ttlMs, by);
    this.running.add(done);
    void done.finally(() => this.running.delete(done)).catch(() => undefined);
    if (wait) return done;
    done.catch(() => undefined);
    return { ...run };
  }

  private async execute(run: SyncRun, ttlMs: number, by: AuditActor): Promise<SyncRun> {
    const started = Date.now();
    let lastRenewal = started;
    const progress: RunProgress = {
      pages: 0,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      watermark: null,
      onPage: async () => {
        if (this.stopping) throw new Error('interrupted: the gateway is shutting down; the next run continues from the watermark');
        const rows = progress.inserted + progress.updated + progress.unchanged;
        // Each page at debug; the run's end is the info line.
        this.logger.debug(
          {
            resource: run.resource,
            run_id: run.id,
            pages: progress.pages,
            rows,
            inserted: progress.inserted,
            rows_per_second: Math.round(rows / Math.max(0.001, (Date.now() - started) / 1000)),
          },
          'sync progress',
        );
        if (Date.now() - lastRenewal > ttlMs / 3) {
          lastRenewal = Date.now();
          if (!(await this.leases.renew(leaseOf(run.resource), ttlMs))) throw new Error('sync lease lost');
        }
      },
    };
    try {
      await this.syncers.get(run.resource)!.run(progress);
      Object.assign(run, { status: 'succeeded', finishedAt: this.clock.now() });
    } catch (error) {
      Object.assign(run, { status: 'failed', finishedAt: this.clock.now(), error: (error as Error).message.slice(0, 1000) });
      this.logger.error({ resource: run.resource, run_id: run.id, err: error }, 'sync failed');
    } finally {
      const { pages, inserted, updated, unchanged, watermark } = progress;
      Object.assign(run, { pages, inserted, updated, unchanged, watermark });
      await this.db.transaction(async (manager) => {
        await this.runs.update(manager, run);
        await this.ledger.append(manager, [
          recordEvent({
            kind: 'sync',
            action: 'sync.run',
            resourceType: 'sync_run',
            resourceId: run.id,
            outcome: run.status === 'succeeded' ? 'success' : 'error',
            by,
            at: run.startedAt,
            detail: {
              resource: run.resource,
              trigger: run.trigger,
              status: run.status,
              pages: run.pages,
              inserted: run.inserted,
              updated: run.updated,
              unchanged: run.unchanged,
              watermark: run.watermark,
              error: run.error,
            },
          }),
        ]);
        // Seen by every subscriber to sync.completed: a run names no account, only counts and times.
        await this.outbox.append(manager, [
          { type: 'sync.completed', subject: run.id, accountId: null, initiatedBy: null, data: runView(run) },
        ]);
      });
      await this.leases.release(leaseOf(run.resource));
      this.dataAsOf.forget(run.resource);
      this.metrics.syncRuns.labels(run.resource, run.status).inc();
      for (const change of ['inserted', 'updated', 'unchanged'] as const)
        this.metrics.syncRows.labels(run.resource, change).inc(run[change]);
    }
    this.logger.log(
      {
        resource: run.resource,
        run_id: run.id,
        status: run.status,
        inserted: run.inserted,
        updated: run.updated,
        unchanged: run.unchanged,
      },
      'sync finished',
    );
    return run;
  }

  /** On shutdown, running syncs stop at their next page, record themselves as failed and release their leases. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.running]);
  }

  list(limit = 100): Promise<SyncRun[]> {
    return this.runs.latest(limit);
  }
}

const leaseOf = (resource: SyncResource): string => `sync:${resource}`;
