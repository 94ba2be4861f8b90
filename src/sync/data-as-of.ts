import { Injectable } from '@nestjs/common';
import type { SyncResource } from './sync-run.entity.js';
import { SyncRunRepository } from './sync-run.repository.js';

/** How old each synced resource is: when its last successful sync finished (cached for a second). */
@Injectable()
export class DataAsOf {
  private readonly cache = new Map<SyncResource, { at: Date | null; checked: number }>();

  constructor(private readonly runs: SyncRunRepository) {}

  async of(resource: SyncResource): Promise<Date | null> {
    const cached = this.cache.get(resource);
    if (cached && Date.now() - cached.checked < 1000) return cached.at;
    const at = await this.runs.lastSuccess(resource);
    this.cache.set(resource, { at, checked: Date.now() });
    return at;
  }

  /** A run just finished: the next read asks the database. */
  forget(resource: SyncResource): void {
    this.cache.delete(resource);
  }
}
