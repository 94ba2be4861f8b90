import { writeFileSync } from 'node:fs';
import { machine } from './support.js';

export interface BenchRow {
  figure: string;
  gateway: number | null;
  baseline: number | null;
  ratio: number | null;
  target: string;
  /** null: a figure reported for information, without a target. */
  pass: boolean | null;
}

/** The row of a figure that needs PostgreSQL when it does not answer. */
export const unmeasured = (figure: string): BenchRow => ({
  figure,
  gateway: null,
  baseline: null,
  ratio: null,
  target: 'not measured: PostgreSQL unreachable',
  pass: null,
});

const fmt = (value: number | null): string =>
  value === null ? '' : Number.isInteger(value) ? String(value) : value.toFixed(value >= 100 ? 0 : 2);

/** One table: printed, and written to bench/results.md with the machine it was measured on. */
export function report(rows: BenchRow[], file = 'bench/results.md'): string {
  const header = '| figure | gateway | baseline | ratio | target | result |\n|---|---:|---:|---:|---|---|';
  const lines = rows.map(
    (r) =>
      `| ${r.figure} | ${fmt(r.gateway)} | ${fmt(r.baseline)} | ${fmt(r.ratio)} | ${r.target} | ${r.pass === null ? '' : r.pass ? 'pass' : 'short'} |`,
  );
  const text = `# Benchmarks\n\nMeasured ${new Date().toISOString()} on ${machine()}.\n\n${header}\n${lines.join('\n')}\n`;
  writeFileSync(file, text);
  return text;
}
