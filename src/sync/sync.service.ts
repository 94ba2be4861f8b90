import { randomUUID } from 'node:crypto';
import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ClsService } from 'nestjs-cls';
import { recordEvent } from '../audit/audit-event.factory.js';
import { AuditLedger } from '../audit/audit-ledger.js';
import { GatewayError } from '../common/errors/gateway-errors.js';
import { CONTEXT_KEY, type RequestContext } from '../common/request-context.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { TransactionRunner } from '../database/transaction-runner.js';
import { SyncLeaseService } from './sync-lease.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { SYNC_RESOURCES, SyncRun, type SyncResource } from './sync-run.entity.js';
import { Syncers, type RunProgress } from './syncers.js';

/**
 * Runs a sync: takes the resource's lease (one run across replicas), records the run, does the work
 * page by page while renewing the lease and logging progress, and records the outcome with its audit event.
 */
@Injectable()
export class SyncService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(SyncService.name);
  private lastSuccess = new Map<SyncResource, { at: Date | null; checked: number }>();
  private readonly running = new Set<Promise<SyncRun>>();
  private stopping = false;

  constructor(
    @InjectRepository(SyncRun) private readonly runs: Repository<SyncRun>,
    private readonly leases: SyncLeaseService,
    private readonly syncers: Syncers,
    private readonly transactions: TransactionRunner,
    private readonly config: GatewayConfig,
    private readonly ledger: AuditLedger,
    private readonly cls: ClsService,
    private readonly metrics: MetricsService,
  ) {
    metrics.gauge(
      'gateway_sync_data_age_seconds',
      'Age of each synced resource: seconds since its last successful sync finished (absent before the first)',
      ['resource'],
      async (gauge) => {
        gauge.reset();
        for (const resource of SYNC_RESOURCES) {
          const at = await this.dataAsOf(resource).catch(() => null);
          if (at) gauge.labels(resource).set((Date.now() - at.getTime()) / 1000);
        }
      },
    );
  }

  /**
   * Starts a run; resolves with the recorded run once it started (`wait`: once it finished). Another
   * replica holding the lease → 409 GW_SYNC_IN_PROGRESS.
   */
  async start(resource: SyncResource, trigger: string, wait = false): Promise<SyncRun> {
    const ttlMs = this.config.sync.leaseSeconds * 1000;
    if (!(await this.leases.acquire(resource, ttlMs))) {
      throw new GatewayError(409, 'GW_SYNC_IN_PROGRESS', `A sync of ${resource} is already running`);
    }
    // Holding the lease, any run still marked running lost its process (its lease expired): say so.
    await this.transactions.exclusive(() =>
      this.runs.update(
        { resource, status: 'running' },
        { status: 'abandoned', finishedAt: new Date(), error: 'its process stopped; the next run redid its work' },
      ),
    );
    const run: SyncRun = {
      id: randomUUID(),
      resource,
      trigger,
      holder: this.leases.holder,
      status: 'running',
      startedAt: new Date(),
      finishedAt: null,
      pages: 0,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      watermark: null,
      error: null,
    };
    await this.transactions.exclusive(() => this.runs.insert(run));
    // The run's audit event names who asked for it: the caller of `POST /v1/sync/…`, or `system`.
    const caller = this.cls.isActive() ? this.cls.get<RequestContext | undefined>(CONTEXT_KEY) : undefined;
    const done = this.execute(run, ttlMs, caller);
    this.running.add(done);
    void done.finally(() => this.running.delete(done)).catch(() => undefined);
    if (wait) return done;
    done.catch(() => undefined);
    return { ...run };
  }

  private async execute(run: SyncRun, ttlMs: number, caller: RequestContext | undefined): Promise<SyncRun> {
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
        this.logger.log(
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
          if (!(await this.leases.renew(run.resource, ttlMs))) throw new Error('sync lease lost');
        }
      },
    };
    try {
      if (run.resource === 'accounts') await this.syncers.accounts(progress);
      else if (run.resource === 'transactions') await this.syncers.transactionsSince(progress);
      else await this.syncers.positivePayExceptions(progress);
      Object.assign(run, { status: 'succeeded', finishedAt: new Date() });
    } catch (error) {
      Object.assign(run, { status: 'failed', finishedAt: new Date(), error: (error as Error).message.slice(0, 1000) });
      this.logger.error({ resource: run.resource, run_id: run.id, err: error }, 'sync failed');
    } finally {
      Object.assign(run, {
        pages: progress.pages,
        inserted: progress.inserted,
        updated: progress.updated,
        unchanged: progress.unchanged,
        watermark: progress.watermark,
      });
      await this.transactions.transaction(async (manager) => {
        await manager.update(SyncRun, { id: run.id }, { ...run });
        await this.ledger.append(manager, [
          recordEvent({
            kind: 'sync',
            action: 'sync.run',
            resourceType: 'sync_run',
            resourceId: run.id,
            outcome: run.status === 'succeeded' ? 'success' : 'error',
            ctx: caller,
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
      });
      await this.leases.release(run.resource);
      // The WAL a long run left behind (up to 64 MB on SQLite) is written back now, not by a later commit.
      await this.transactions.checkpoint().catch((err: unknown) => this.logger.warn({ err }, 'WAL checkpoint after the sync failed'));
      this.lastSuccess.delete(run.resource);
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

  /** When the last successful sync of `resource` finished (cached for a second). */
  async dataAsOf(resource: SyncResource): Promise<Date | null> {
    const cached = this.lastSuccess.get(resource);
    if (cached && Date.now() - cached.checked < 1000) return cached.at;
    const last = await this.runs.findOne({ where: { resource, status: 'succeeded' }, order: { finishedAt: 'DESC' } });
    const at = last?.finishedAt ?? null;
    this.lastSuccess.set(resource, { at, checked: Date.now() });
    return at;
  }

  list(limit = 100): Promise<SyncRun[]> {
    return this.runs.find({ order: { startedAt: 'DESC' }, take: limit });
  }
}
