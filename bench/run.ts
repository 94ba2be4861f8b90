import { auditBenchmark } from './audit.bench.js';
import { idempotencyBenchmark } from './idempotency.bench.js';
import { passthroughBenchmark } from './passthrough.bench.js';
import { syncBenchmark } from './sync.bench.js';
import { report, type BenchRow } from './table.js';

/**
 * `npm run bench`: every benchmark of the project, one table (also written to bench/results.md).
 * `BENCH_ONLY=audit,sync` runs some of them and writes bench/results.partial.md instead. `BENCH_COMPARE_REF=<git ref>`
 * also builds that commit's gateway and measures its wires in the same rounds (the ratio before a change).
 */
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const repetitions = Number(process.env.BENCH_REPETITIONS ?? 3);
const syncRows = Number(process.env.BENCH_SYNC_ROWS ?? 1_000_000);
const auditEvents = Number(process.env.BENCH_AUDIT_EVENTS ?? 10_000_000);
const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());
const benchmarks: [string, () => Promise<BenchRow[]>][] = [
  ['passthrough', () => passthroughBenchmark({ seconds, repetitions })],
  ['idempotency', () => idempotencyBenchmark({ seconds, repetitions, compareRef: process.env.BENCH_COMPARE_REF || undefined })],
  ['sync', () => syncBenchmark({ rows: syncRows, seconds })],
  ['audit', () => auditBenchmark({ seconds, repetitions, events: auditEvents })],
];
const rows: BenchRow[] = [];
for (const [name, benchmark] of benchmarks) if (!only || only.includes(name)) rows.push(...(await benchmark()));
process.stdout.write(report(rows, only ? 'bench/results.partial.md' : 'bench/results.md'));
