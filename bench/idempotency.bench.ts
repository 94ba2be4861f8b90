import { randomUUID } from 'node:crypto';
import { startBenchGateway, startBenchSandbox } from './stack.js';
import { load, PG_URL, postgresSchema } from './support.js';
import { unmeasured, type BenchRow } from './table.js';

/**
 * What idempotency costs: wire POSTs with new keys through the gateway (the record, its commits, the
 * stored payment, the audit event) against the same gateway's balance passthrough; and replays per
 * second. The sandbox's processing time is 0, so QBank itself costs what a balance read costs.
 */
export async function idempotencyBenchmark(options: { seconds: number }): Promise<BenchRow[]> {
  const sandbox = await startBenchSandbox();
  const rows: BenchRow[] = [];
  const wireBody = JSON.stringify({
    debtor_account_id: sandbox.accountId,
    amount: '125.00',
    currency: 'USD',
    creditor: { name: 'Globex Corp', routing_number: '021000021', account_number: '123456789' },
  });
  try {
    const pg = await postgresSchema();
    const databases: [string, Record<string, string> | undefined, (() => Promise<void>) | undefined][] = [
      ['SQLite (WAL, synchronous=FULL)', {}, undefined],
      ['PostgreSQL (synchronous_commit on)', pg ? { DATABASE_URL: PG_URL, DATABASE_SCHEMA: pg.schema } : undefined, pg?.drop],
    ];
    for (const [name, env, cleanup] of databases) {
      if (!env) {
        rows.push(unmeasured(`wire POSTs/s, ${name}`));
        continue;
      }
      const gateway = await startBenchGateway(sandbox.base, env, ['treasury-operator']);
      try {
        const auth = { authorization: `Bearer ${gateway.token}` };
        const wire = {
          connections: 50,
          seconds: options.seconds,
          method: 'POST' as const,
          body: wireBody,
          headers: { ...auth, 'content-type': 'application/json' },
        };
        await load(`${gateway.url}/v1/balances/${sandbox.accountId}`, { connections: 50, seconds: 2, headers: auth });
        await load(`${gateway.url}/v1/payments/wire`, { ...wire, seconds: 2, freshKey: true });
        const balance = await load(`${gateway.url}/v1/balances/${sandbox.accountId}`, {
          connections: 50,
          seconds: options.seconds,
          headers: auth,
        });
        const wires = await load(`${gateway.url}/v1/payments/wire`, { ...wire, freshKey: true });
        const key = randomUUID();
        await fetch(`${gateway.url}/v1/payments/wire`, {
          method: 'POST',
          headers: { ...wire.headers, 'idempotency-key': key },
          body: wireBody,
        });
        const replays = await load(`${gateway.url}/v1/payments/wire`, { ...wire, headers: { ...wire.headers, 'idempotency-key': key } });
        const isPg = name.startsWith('PostgreSQL');
        rows.push(
          {
            figure: `wire POSTs/s with new keys vs balance reads/s, ${name}`,
            gateway: wires.rps,
            baseline: balance.rps,
            ratio: wires.rps / balance.rps,
            target: isPg ? '≥ 0.50' : '— (reported beside PostgreSQL)',
            pass: isPg ? wires.rps / balance.rps >= 0.5 : null,
          },
          {
            figure: `wire p99 ms, ${name}`,
            gateway: wires.p99,
            baseline: balance.p99,
            ratio: wires.p99 / balance.p99,
            target: '—',
            pass: null,
          },
          {
            figure: `idempotent replays/s, ${name}`,
            gateway: replays.rps,
            baseline: balance.rps,
            ratio: replays.rps / balance.rps,
            target: '—',
            pass: null,
          },
          {
            figure: `failed wire/replay requests, ${name}`,
            gateway: wires.non2xx + wires.errors + replays.non2xx + replays.errors,
            baseline: 0,
            ratio: null,
            target: '0',
            pass: wires.non2xx + wires.errors + replays.non2xx + replays.errors === 0,
          },
        );
      } finally {
        await gateway.stop();
        await cleanup?.();
      }
    }
  } finally {
    await sandbox.service.stop();
  }
  return rows;
}
