import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { runMigrations } from '../src/database/migrate.js';
import { TransactionEntity } from '../src/transactions/transaction.entity.js';
import { transactionRow } from '../src/transactions/transactions.syncer.js';
import type { Transaction } from '#qbank/contract';
import { startBenchGateway, startBenchSandbox } from './stack.js';
import { load, median, PG_URL } from './support.js';
import { unmeasured, type BenchRow } from './table.js';

const ACCOUNTS = 10;

/** Peak resident memory of a process, from the kernel (MB). */
function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/**
 * The baseline: the same rows (read from the sandbox page by page) inserted with TypeORM's query builder in
 * one transaction into an empty table; only the time spent inserting counts.
 */
async function plainInsertRate(sandboxBase: string, bank: string, databaseUrl: string, schema: string | undefined): Promise<number> {
  await runMigrations({ url: databaseUrl, migrationUrl: databaseUrl, migrateOnStart: true, schema });
  const db = new DataSource(dataSourceOptions(databaseUrl, schema));
  await db.initialize();
  let inserting = 0;
  let rows = 0;
  try {
    const accounts = (await (
      await fetch(`${sandboxBase}/accounts?limit=1000`, { headers: { authorization: `Bearer ${bank}` } })
    ).json()) as { data: { account_id: string }[] };
    await db.transaction(async (manager) => {
      for (const { account_id } of accounts.data) {
        let cursor: string | null = null;
        do {
          const page = (await (
            await fetch(`${sandboxBase}/transactions?account_id=${account_id}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`, {
              headers: { authorization: `Bearer ${bank}` },
            })
          ).json()) as {
            data: Transaction[];
            next_cursor: string | null;
          };
          cursor = page.next_cursor;
          const entities = page.data.map((t) => transactionRow(t, new Map(), new Date()));
          const started = performance.now();
          for (let i = 0; i < entities.length; i += 200)
            await manager
              .createQueryBuilder()
              .insert()
              .into(TransactionEntity)
              .values(entities.slice(i, i + 200))
              .execute();
          inserting += performance.now() - started;
          rows += entities.length;
        } while (cursor);
      }
    });
  } finally {
    await db.destroy();
  }
  return rows / (inserting / 1000);
}

/**
 * A first sync of a million transactions (10 accounts) from the sandbox, on SQLite and PostgreSQL: rows/s
 * and the gateway's peak RSS, beside a plain bulk insert of the same rows; then `GET /v1/transactions`
 * pages of 100 at 50 connections over that store, beside the same query in raw SQL.
 */
export async function syncBenchmark(options: { rows: number; seconds: number }): Promise<BenchRow[]> {
  const perAccount = Math.ceil(options.rows / ACCOUNTS);
  const sandbox = await startBenchSandbox({ SANDBOX_ACCOUNTS: String(ACCOUNTS), SANDBOX_TRANSACTIONS_PER_ACCOUNT: String(perAccount) });
  const rows: BenchRow[] = [];
  try {
    const schema = `bsync_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
    const pgAdmin = new DataSource({ type: 'postgres', url: PG_URL });
    const pg = await pgAdmin.initialize().then(
      () => true,
      () => false,
    );
    for (const name of ['SQLite', 'PostgreSQL'] as const) {
      if (name === 'PostgreSQL' && !pg) {
        rows.push(unmeasured('first sync, rows/s, PostgreSQL'));
        continue;
      }
      const env: Record<string, string> = name === 'PostgreSQL' ? { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema } : {};
      const gateway = await startBenchGateway(sandbox.base, { ...env, SYNC_SCHEDULE_ENABLED: 'false', LOG_LEVEL: 'warn' }, [
        'gateway-admin',
        'treasury-viewer',
      ]);
      try {
        const auth = { authorization: `Bearer ${gateway.token}` };
        await fetch(`${gateway.url}/v1/sync/accounts?wait=true`, { method: 'POST', headers: auth });
        const started = performance.now();
        const run = (await (await fetch(`${gateway.url}/v1/sync/transactions?wait=true`, { method: 'POST', headers: auth })).json()) as {
          inserted: number;
          status: string;
        };
        const seconds = (performance.now() - started) / 1000;
        const rss = peakRssMb(gateway.service.child.pid!);
        // Reads over that store first: pages of 100, 50 connections (the plain insert below leaves the disk
        // writing back a million rows for a while, which would land in the reads' fsyncs).
        const accountId = sandbox.accountId;
        const pageUrl = `${gateway.url}/v1/transactions?account_id=${accountId}&limit=100`;
        await load(pageUrl, { connections: 50, seconds: 2, headers: auth });
        const reads = await load(pageUrl, { connections: 50, seconds: options.seconds, headers: auth });
        const baselineUrl = name === 'PostgreSQL' ? PG_URL : `sqlite:${gateway.dir}/baseline.sqlite`;
        const baselineSchema = name === 'PostgreSQL' ? `${schema}_b` : undefined;
        const baseline = await plainInsertRate(sandbox.base, sandbox.bank, baselineUrl, baselineSchema);
        const rate = run.inserted / seconds;
        rows.push(
          {
            figure: `first sync of ${run.inserted} transactions, rows/s, ${name} (baseline: plain bulk insert)`,
            gateway: rate,
            baseline,
            ratio: rate / baseline,
            target: name === 'SQLite' ? '≥ 30000 rows/s and ≥ 0.6' : '—',
            pass: name === 'SQLite' ? rate >= 30_000 && rate / baseline >= 0.6 : null,
          },
          {
            figure: `peak RSS of the gateway during that sync, MB, ${name}`,
            gateway: rss,
            baseline: null,
            ratio: null,
            target: '< 300',
            pass: rss < 300,
          },
        );

        // The reads beside the raw SQL of the same query.
        const raw = await rawQueryRate(
          name === 'PostgreSQL' ? PG_URL : `sqlite:${gateway.dir}/gateway.sqlite`,
          name === 'PostgreSQL' ? schema : undefined,
          accountId,
          3,
        );
        rows.push(
          {
            figure: `GET /v1/transactions pages of 100, req/s (50 conn), ${name} (baseline: raw SQL queries/s)`,
            gateway: reads.rps,
            baseline: raw,
            ratio: reads.rps / raw,
            target: name === 'SQLite' ? '≥ 1500 req/s' : '—',
            pass: name === 'SQLite' ? reads.rps >= 1500 : null,
          },
          {
            figure: `GET /v1/transactions p99 ms, ${name}`,
            gateway: reads.p99,
            baseline: null,
            ratio: null,
            target: name === 'SQLite' ? '< 50' : '—',
            pass: name === 'SQLite' ? reads.p99 < 50 : null,
          },
        );
      } finally {
        await gateway.stop();
      }
    }
    if (pg) {
      await pgAdmin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pgAdmin.query(`DROP SCHEMA IF EXISTS "${schema}_b" CASCADE`);
      await pgAdmin.destroy();
    }
  } finally {
    await sandbox.service.stop();
  }
  return rows;
}

/** The first page of an account's transactions, newest posting first, in raw SQL, repeated for `seconds`. */
async function rawQueryRate(url: string, schema: string | undefined, accountId: string, seconds: number): Promise<number> {
  const db = new DataSource(dataSourceOptions(url, schema));
  await db.initialize();
  const postgres = url.startsWith('postgres');
  const sql = `SELECT * FROM transactions WHERE account_id = ${postgres ? '$1' : '?'} ORDER BY posting_date DESC, transaction_id DESC LIMIT 101`;
  const rates: number[] = [];
  try {
    for (let round = 0; round < 3; round += 1) {
      let n = 0;
      const end = performance.now() + (seconds * 1000) / 3;
      while (performance.now() < end) {
        await db.query(sql, [accountId]);
        n += 1;
      }
      rates.push(n / (seconds / 3));
    }
  } finally {
    await db.destroy();
  }
  return median(rates);
}
