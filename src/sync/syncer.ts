import type { SyncResource } from './sync-run.entity.js';

/** What a run has done so far; the sync service records it and logs it as pages go by. */
export interface RunProgress {
  pages: number;
  inserted: number;
  updated: number;
  unchanged: number;
  watermark: string | null;
  /** Called after every committed write (logging, lease renewal). */
  onPage: () => Promise<void>;
}

/**
 * The work of syncing one resource, owned by its feature (`accounts.syncer.ts`, …): stream QBank's pages
 * (never the whole history in memory) and write them in short transactions, so that a re-run changes
 * nothing and a run killed halfway is completed by the next.
 */
export interface Syncer {
  readonly resource: SyncResource;
  run(progress: RunProgress): Promise<void>;
}
