import type { SyncRun } from './sync-run.entity.js';

/** A sync run as the API shows it (`GET /v1/sync/runs`, the `sync.completed` event). */
export const runView = (run: SyncRun) => ({
  run_id: run.id,
  resource: run.resource,
  trigger: run.trigger,
  holder: run.holder,
  status: run.status,
  started_at: run.startedAt.toISOString(),
  finished_at: run.finishedAt?.toISOString() ?? null,
  pages: run.pages,
  inserted: run.inserted,
  updated: run.updated,
  unchanged: run.unchanged,
  watermark: run.watermark,
  error: run.error,
});
