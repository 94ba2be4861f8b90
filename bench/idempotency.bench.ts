import { randomUUID } from 'node:crypto';
import { buildPreviousGateway } from './compare-ref.js';
import { freePort, startBenchGateway, startBenchSandbox } from './stack.js';
import { interleaved, load, PG_URL, postgresSchema, startService, summary, type LoadResult, type Target } from './support.js';
import { unmeasured, type BenchRow } from './table.js';

const SQLITE = 'SQLite (WAL, synchronous=FULL)';
const POSTGRES = 'PostgreSQL (synchronous_commit on)';
const HAND_WRITTEN = 'hand-written http + pg handler';

/** The wire targets, in the order each round measures them. */
const NAMES = ['gateway', 'handWritten', 'before', 'sqlite'] as const;
type Name = (typeof NAMES)[number];

/**
 * Idempotent wires (contract §12): `POST /v1/payments/wire` with new keys through the gateway on PostgreSQL
 * against the hand-written idempotent handler on the same PostgreSQL (bench/peers/wire-peer.ts), and replays
 * of a completed key on both; the gateway on SQLite beside them. With `compareRef` (BENCH_COMPARE_REF) that
 * commit's gateway is built and measured on PostgreSQL in the same rounds, so the ratio after the change
 * is held against the ratio before it on the same machine, minute and sandbox. Every target runs in its own
 * process with its own schema or database file; after a warm-up, each round measures every target once.
 */
export async function idempotencyBenchmark(options: { seconds: number; repetitions: number; compareRef?: string }): Promise<BenchRow[]> {
  const cleanups: (() => Promise<void> | void)[] = [];
  try {
    // Built before anything is started, so that the build's CPU lands on no measurement.
    const previous = options.compareRef ? buildPreviousGateway(options.compareRef) : undefined;
    if (previous) cleanups.push(previous.remove);
    const sandbox = await startBenchSandbox();
    cleanups.push(() => sandbox.service.stop());
    const body = JSON.stringify({
      debtor_account_id: sandbox.accountId,
      amount: '125.00',
      currency: 'USD',
      creditor: { name: 'Globex Corp', routing_number: '021000021', account_number: '123456789' },
    });
    const wireTarget = (base: string, headers: Record<string, string>): Target => ({
      url: `${base}/v1/payments/wire`,
      options: {
        connections: 50,
        seconds: options.seconds,
        method: 'POST',
        body,
        headers: { ...headers, 'content-type': 'application/json' },
      },
    });
    const gateway = async (env: Record<string, string>, root?: string): Promise<Target> => {
      const started = await startBenchGateway(sandbox.base, env, ['treasury-operator'], root);
      cleanups.push(started.stop);
      return wireTarget(started.url, { authorization: `Bearer ${started.token}` });
    };
    /** A schema of its own on the benchmark's PostgreSQL, dropped at the end (after its user has stopped). */
    const schema = async (): Promise<string | undefined> => {
      const pg = await postgresSchema();
      if (pg) cleanups.push(pg.drop);
      return pg?.schema;
    };

    const targets: Partial<Record<Name, Target>> = { sqlite: await gateway({}) };
    const gatewaySchema = await schema();
    if (gatewaySchema) {
      targets.gateway = await gateway({ DATABASE_URL: PG_URL, DATABASE_SCHEMA: gatewaySchema });
      const port = await freePort();
      const peer = await startService(
        'dist/bench/peers/wire-peer.js',
        {
          PORT: String(port),
          QBANK_BASE_URL: sandbox.base,
          QBANK_TOKEN: sandbox.bank,
          DATABASE_URL: PG_URL,
          PEER_SCHEMA: (await schema())!,
        },
        `http://127.0.0.1:${port}/health`,
      );
      cleanups.push(peer.stop);
      targets.handWritten = wireTarget(`http://127.0.0.1:${port}`, {});
      if (previous) targets.before = await gateway({ DATABASE_URL: PG_URL, DATABASE_SCHEMA: (await schema())! }, previous.root);
    }
    const names = NAMES.filter((name) => targets[name]);
    const measure = async (each: (target: Target) => Target): Promise<Partial<Record<Name, LoadResult[]>>> => {
      const runs = await interleaved(
        names.map((name) => each(targets[name]!)),
        options.repetitions,
      );
      return Object.fromEntries(names.map((name, i) => [name, runs[i]!]));
    };

    const warmUpFailures: Partial<Record<Name, number>> = {};
    for (const name of names) {
      const { url, options: o } = targets[name]!;
      const warm = await load(url, { ...o, seconds: 2, freshKey: true });
      warmUpFailures[name] = warm.non2xx + warm.errors;
    }
    const wireRuns = await measure((t) => ({ ...t, options: { ...t.options, freshKey: true } }));
    // Replays: every target's one completed key, sent again and again.
    const keys = new Map<string, string>();
    for (const name of names) {
      const { url, options: o } = targets[name]!;
      const key = randomUUID();
      const first = await fetch(url, { method: 'POST', headers: { ...o.headers, 'idempotency-key': key }, body });
      if (first.status !== 201)
        throw new Error(`${name}: the first wire of the replay key answered ${first.status}: ${await first.text()}`);
      keys.set(url, key);
    }
    const replayRuns = await measure((t) => ({
      ...t,
      options: { ...t.options, headers: { ...t.options.headers, 'idempotency-key': keys.get(t.url)! } },
    }));

    const wires = summaries(wireRuns);
    const replays = summaries(replayRuns);
    return wireRows(wires, replays, warmUpFailures, previous?.label);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

type Summary = ReturnType<typeof summary>;

const summaries = (runs: Partial<Record<Name, LoadResult[]>>): Partial<Record<Name, Summary>> =>
  Object.fromEntries(Object.entries(runs).map(([name, r]) => [name, summary(r)]));

function wireRows(
  wires: Partial<Record<Name, Summary>>,
  replays: Partial<Record<Name, Summary>>,
  warmUpFailures: Partial<Record<Name, number>>,
  previousLabel: string | undefined,
): BenchRow[] {
  const rows: BenchRow[] = [];
  const { gateway, handWritten, before } = wires;
  if (gateway && handWritten) {
    const after = gateway.rps / handWritten.rps;
    const ratioBefore = before ? before.rps / handWritten.rps : undefined;
    rows.push(
      {
        figure: `wire POSTs/s with new keys, ${POSTGRES}, baseline: ${HAND_WRITTEN} (ratio after)`,
        gateway: gateway.rps,
        baseline: handWritten.rps,
        ratio: after,
        target: ratioBefore === undefined ? '≥ ratio before (not measured: see below)' : `≥ ratio before (${ratioBefore.toFixed(2)})`,
        pass: ratioBefore === undefined ? null : after >= ratioBefore,
      },
      {
        figure: `wire p99 ms, ${POSTGRES}, baseline: ${HAND_WRITTEN}`,
        gateway: gateway.p99,
        baseline: handWritten.p99,
        ratio: gateway.p99 / handWritten.p99,
        target: '—',
        pass: null,
      },
      before && ratioBefore !== undefined
        ? {
            figure: `wire POSTs/s with new keys of the previous code (${previousLabel}), ${POSTGRES}, baseline: ${HAND_WRITTEN} (ratio before)`,
            gateway: before.rps,
            baseline: handWritten.rps,
            ratio: ratioBefore,
            target: 'the floor of the ratio after',
            pass: null,
          }
        : {
            figure: `wire POSTs/s with new keys of the previous code, ${POSTGRES}, baseline: ${HAND_WRITTEN} (ratio before)`,
            gateway: null,
            baseline: null,
            ratio: null,
            target: 'not measured: set BENCH_COMPARE_REF=<git ref> (e.g. HEAD~1) to build that commit and measure it in the same run',
            pass: null,
          },
    );
  } else rows.push(unmeasured(`wire POSTs/s with new keys, ${POSTGRES}, baseline: ${HAND_WRITTEN}`));
  if (replays.gateway && replays.handWritten)
    rows.push({
      figure: `idempotent replays/s, ${POSTGRES}, baseline: ${HAND_WRITTEN}`,
      gateway: replays.gateway.rps,
      baseline: replays.handWritten.rps,
      ratio: replays.gateway.rps / replays.handWritten.rps,
      target: '—',
      pass: null,
    });
  const sqlite = wires.sqlite!;
  const sqliteReplays = replays.sqlite!;
  const against = (value: number, peer: number | undefined) => (peer === undefined ? null : value / peer);
  rows.push(
    {
      figure: `wire POSTs/s with new keys, ${SQLITE}, baseline: the ${HAND_WRITTEN} on PostgreSQL`,
      gateway: sqlite.rps,
      baseline: handWritten?.rps ?? null,
      ratio: against(sqlite.rps, handWritten?.rps),
      target: '— (another database: for information)',
      pass: null,
    },
    {
      figure: `wire p99 ms, ${SQLITE}, baseline: the ${HAND_WRITTEN} on PostgreSQL`,
      gateway: sqlite.p99,
      baseline: handWritten?.p99 ?? null,
      ratio: against(sqlite.p99, handWritten?.p99),
      target: '—',
      pass: null,
    },
    {
      figure: `idempotent replays/s, ${SQLITE}, baseline: the ${HAND_WRITTEN} on PostgreSQL`,
      gateway: sqliteReplays.rps,
      baseline: replays.handWritten?.rps ?? null,
      ratio: against(sqliteReplays.rps, replays.handWritten?.rps),
      target: '—',
      pass: null,
    },
  );
  const failed = (names: Name[]) =>
    names.reduce((n, name) => n + (warmUpFailures[name] ?? 0) + (wires[name]?.failed ?? 0) + (replays[name]?.failed ?? 0), 0);
  const gatewayFailures = failed(['gateway', 'sqlite']);
  const peerFailures = failed(['handWritten', 'before']);
  rows.push(
    {
      figure:
        'failed wire/replay requests incl. warm-ups (non-2xx or errors; baseline column: the hand-written handler and the previous code)',
      gateway: gatewayFailures,
      baseline: peerFailures,
      ratio: null,
      target: '0',
      pass: gatewayFailures + peerFailures === 0,
    },
    {
      figure: 'runs (wire POSTs/s, in the order measured; p99 ms)',
      gateway: null,
      baseline: null,
      ratio: null,
      target: NAMES.filter((name) => wires[name])
        .map((name) => `${LABELS[name]} ${wires[name]!.each} (p99 ${wires[name]!.p99})`)
        .join(' vs '),
      pass: null,
    },
  );
  return rows;
}

const LABELS: Record<Name, string> = {
  gateway: 'gateway on PostgreSQL',
  handWritten: 'hand-written',
  before: 'previous code',
  sqlite: 'gateway on SQLite',
};
