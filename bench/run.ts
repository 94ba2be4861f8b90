import { idempotencyBenchmark } from './idempotency.bench.js';
import { passthroughBenchmark } from './passthrough.bench.js';
import { syncBenchmark } from './sync.bench.js';
import { report } from './table.js';

/** `npm run bench`: every benchmark of the project, one table (also written to bench/results.md). */
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const repetitions = Number(process.env.BENCH_REPETITIONS ?? 3);
const syncRows = Number(process.env.BENCH_SYNC_ROWS ?? 1_000_000);
const rows = [
  ...(await passthroughBenchmark({ seconds, repetitions })),
  ...(await idempotencyBenchmark({ seconds })),
  ...(await syncBenchmark({ rows: syncRows, seconds })),
];
process.stdout.write(report(rows));
