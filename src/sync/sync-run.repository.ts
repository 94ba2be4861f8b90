import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Database } from '../database/database.js';
import { SyncRun, type SyncResource } from './sync-run.entity.js';

/** The recorded sync runs (table `sync_runs`). */
@Injectable()
export class SyncRunRepository {
  constructor(private readonly db: Database) {}

  async insert(manager: EntityManager, run: SyncRun): Promise<void> {
    await manager.insert(SyncRun, run);
  }

  async update(manager: EntityManager, run: SyncRun): Promise<void> {
    await manager.update(SyncRun, { id: run.id }, { ...run });
  }

  /** Runs of `resource` still marked running, whose process is gone (the caller holds the lease), now say so. */
  async markAbandoned(manager: EntityManager, resource: SyncResource, at: Date): Promise<void> {
    await manager.update(
      SyncRun,
      { resource, status: 'running' },
      { status: 'abandoned', finishedAt: at, error: 'its process stopped; the next run redid its work' },
    );
  }

  /** When the last successful run of `resource` finished. */
  async lastSuccess(resource: SyncResource): Promise<Date | null> {
    const last = await this.db.reader.findOne(SyncRun, { where: { resource, status: 'succeeded' }, order: { finishedAt: 'DESC' } });
    return last?.finishedAt ?? null;
  }

  latest(limit: number): Promise<SyncRun[]> {
    return this.db.reader.find(SyncRun, { order: { startedAt: 'DESC' }, take: limit });
  }
}
