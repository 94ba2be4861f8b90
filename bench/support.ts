import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { DataSource } from 'typeorm';

export const node = process.execPath;

export interface Service {
  child: ChildProcess;
  stop: () => Promise<void>;
}

/**
 * Starts a compiled script in its own process and waits until `readyUrl` answers 200. `cwd`: the project
 * the script belongs to (a gateway reads its `config/` from there).
 */
export async function startService(script: string, env: Record<string, string>, readyUrl: string, cwd?: string): Promise<Service> {
  const child = spawn(node, [script], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
    try {
      if ((await fetch(readyUrl)).ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`${script} not ready at ${readyUrl}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface LoadResult {
  rps: number;
  /** Mean latency in ms (autocannon's percentiles are whole milliseconds). */
  mean: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

export interface LoadOptions {
  connections: number;
  seconds: number;
  headers?: Record<string, string>;
  method?: 'GET' | 'POST';
  body?: string;
  /** A new Idempotency-Key on every request. */
  freshKey?: boolean;
}

/** autocannon in its own process (the load generator never shares a process with what it measures). */
export function load(url: string, options: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, ['dist/bench/load.js', JSON.stringify({ url, ...options })], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load generator exited with ${code}`)),
    );
  });
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/** One target of an interleaved measurement: what to load, and how. */
export interface Target {
  url: string;
  options: LoadOptions;
}

/**
 * Loads each target in turn, `repetitions` times over (a, b, c, a, b, c, …), so that a drift of the machine
 * (another job, the disk writing back, a warming cache) lands on every target alike. Returns each target's runs.
 */
export async function interleaved<const T extends readonly Target[]>(
  targets: T,
  repetitions: number,
): Promise<{ [K in keyof T]: LoadResult[] }> {
  const runs = targets.map((): LoadResult[] => []);
  for (let i = 0; i < repetitions; i += 1)
    for (const [n, target] of targets.entries()) runs[n]!.push(await load(target.url, target.options));
  return runs as { [K in keyof T]: LoadResult[] };
}

/** The medians of a target's runs, and its failed requests over all of them. */
export function summary(runs: LoadResult[]): { rps: number; p50: number; p99: number; failed: number; each: string } {
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    failed: runs.reduce((n, r) => n + r.non2xx + r.errors, 0),
    each: runs.map((r) => Math.round(r.rps)).join(' / '),
  };
}

export const machine = (): string => `${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}`;

export async function bankToken(sandboxBase: string): Promise<string> {
  const answer = await fetch(`${sandboxBase}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from('gateway:sandbox-secret').toString('base64')}`,
    },
    body: 'grant_type=client_credentials',
  });
  return ((await answer.json()) as { access_token: string }).access_token;
}

export const PG_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh schema on the benchmark's PostgreSQL, with the owner's connection; undefined when PostgreSQL does not answer. */
export async function postgresSchema(): Promise<{ schema: string; admin: DataSource; drop: () => Promise<void> } | undefined> {
  const admin = new DataSource({ type: 'postgres', url: PG_URL });
  try {
    await admin.initialize();
  } catch {
    return undefined;
  }
  const schema = `bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await admin.query(`CREATE SCHEMA "${schema}"`);
  return {
    schema,
    admin,
    drop: async () => {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.destroy();
    },
  };
}
