import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { GatewayError } from '../src/common/errors/gateway-errors.js';
import type { GatewayConfig } from '../src/config/gateway-config.js';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { runMigrations } from '../src/database/migrate.js';
import { placeholders } from '../src/database/prepared-statements.js';
import { TransactionRunner } from '../src/database/transaction-runner.js';
import { PaymentLimits } from '../src/payments/payment-limits.js';
import { testDatabase, type TestDatabase } from './support/gateway.js';

/**
 * The unit of work every money path writes through, on the suite's database: staged writes (sent together
 * on PostgreSQL, at once on SQLite) keep their order, commit together or not at all, and the daily limit
 * they carry is enforced by the database under concurrency.
 */
describe('TransactionRunner: staged writes on a real database', () => {
  let database: TestDatabase;
  let db: DataSource;
  let runner: TransactionRunner;
  let p: (n: number) => string;
  const stageInsert = (manager: EntityManager, id: string, n: number) =>
    TransactionRunner.stage(manager, {
      sql: `INSERT INTO runner_probe (id, n) VALUES (${p(1)}, ${p(2)})`,
      params: [id, n],
      keys: [`probe:${id}`],
    });
  const stageSet = (manager: EntityManager, id: string, n: number) =>
    TransactionRunner.stage(manager, {
      sql: `UPDATE runner_probe SET n = ${p(1)} WHERE id = ${p(2)}`,
      params: [n, id],
      keys: [`probe:${id}`],
    });
  const rows = async (prefix: string) =>
    (
      await db.query<{ id: string; n: number | string }[]>(`SELECT id, n FROM runner_probe WHERE id LIKE ${p(1)} ORDER BY id`, [
        `${prefix}%`,
      ])
    ).map((r) => ({ id: r.id, n: Number(r.n) }));

  beforeAll(async () => {
    database = testDatabase();
    const url = database.env.DATABASE_URL!;
    const schema = database.env.DATABASE_SCHEMA;
    await runMigrations({ url, migrationUrl: url, migrateOnStart: true, schema });
    db = new DataSource(dataSourceOptions(url, schema));
    await db.initialize();
    p = placeholders(db);
    await db.query('CREATE TABLE runner_probe (id varchar(64) PRIMARY KEY, n integer NOT NULL CHECK (n >= 0))');
    runner = new TransactionRunner(db);
  });
  afterAll(async () => {
    await db.destroy();
    await database.drop();
  });

  it('a unit that only stages writes commits all of them', async () => {
    await runner.transaction(async (manager) => {
      await stageInsert(manager, 'a1', 1);
      await stageInsert(manager, 'a2', 2);
      await stageSet(manager, 'a1', 10);
    });
    // the parts of one statement all see the table as it was before it: the update of a row staged in the
    // same unit (the same key) is sent after the insert, so it applies
    expect(await rows('a')).toEqual([
      { id: 'a1', n: 10 },
      { id: 'a2', n: 2 },
    ]);
  });

  it('one refused write undoes every write of its unit', async () => {
    await expect(
      runner.transaction(async (manager) => {
        await stageInsert(manager, 'b1', 1);
        await stageInsert(manager, 'b2', 2);
        await stageInsert(manager, 'b3', -1);
      }),
    ).rejects.toThrow(/CHECK|check constraint/);
    expect(await rows('b')).toEqual([]);
  });

  it('a statement of the unit sees the writes staged before it, and a rollback drops the rest', async () => {
    let seen = -1;
    await expect(
      runner.transaction(async (manager) => {
        await stageInsert(manager, 'c1', 1);
        seen = Number((await manager.query<{ c: number | string }[]>(`SELECT count(*) AS c FROM runner_probe WHERE id LIKE 'c%'`))[0]!.c);
        await stageInsert(manager, 'c2', 2);
        throw new Error('the caller changed its mind');
      }),
    ).rejects.toThrow('the caller changed its mind');
    expect(seen).toBe(1);
    expect(await rows('c')).toEqual([]);
  });

  it('two updates of one row apply in order', async () => {
    await runner.transaction(async (manager) => {
      await stageInsert(manager, 'd1', 0);
    });
    await runner.transaction(async (manager) => {
      await stageSet(manager, 'd1', 1);
      await stageSet(manager, 'd1', 2);
    });
    expect(await rows('d')).toEqual([{ id: 'd1', n: 2 }]);
  });

  it('more parameters than one statement takes: several statements, still one transaction', async () => {
    // 40 writes of 500 rows (1,000 parameters each): more than one statement holds
    const chunks = Array.from({ length: 40 }, (_, c) => Array.from({ length: 500 }, (_, i) => `e${String(c * 500 + i).padStart(5, '0')}`));
    const stageRows = (manager: EntityManager, ids: string[]) => {
      const params = ids.flatMap((id) => [id, 1]);
      const values = ids.map((_, i) => `(${p(2 * i + 1)}, ${p(2 * i + 2)})`).join(', ');
      return TransactionRunner.stage(manager, {
        sql: `INSERT INTO runner_probe (id, n) VALUES ${values}`,
        params,
        keys: ids.map((id) => `probe:${id}`),
      });
    };
    await expect(
      runner.transaction(async (manager) => {
        for (const ids of chunks) await stageRows(manager, ids);
        await stageInsert(manager, 'e99999', -1);
      }),
    ).rejects.toThrow(/CHECK|check constraint/);
    expect(await rows('e')).toEqual([]);
    await runner.transaction(async (manager) => {
      for (const ids of chunks) await stageRows(manager, ids);
    });
    expect((await rows('e')).length).toBe(20_000);
  });

  it('a daily limit holds under concurrency: of 30 concurrent payments of 10.00 against 100.00, exactly 10 pass', async () => {
    const config = {
      limits: { payments: { roles: {}, callers: { 'limit-probe': { WIRE: { perDay: '100.00' } } } } },
    } as unknown as GatewayConfig;
    const limits = new PaymentLimits(config);
    const caller = { sub: 'limit-probe', roles: [], scopes: new Set<string>() };
    const outcomes = await Promise.allSettled(
      Array.from({ length: 30 }, () =>
        runner.transaction(async (manager) => {
          await stageInsert(manager, `f-${randomUUID()}`, 1);
          await limits.check(manager, caller, 'WIRE', [1000n]);
        }),
      ),
    );
    const refused = outcomes.filter((o) => o.status === 'rejected');
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    expect(refused).toHaveLength(20);
    for (const outcome of refused) {
      const error = (outcome as PromiseRejectedResult).reason as GatewayError;
      expect(error).toBeInstanceOf(GatewayError);
      expect(error.errorCode).toBe('GW_LIMIT_EXCEEDED');
      expect(error.message).toMatch(/would reach 110\.00, over the daily wire limit of 100\.00 \(caller limit-probe\)/);
    }
    // a refused payment's own writes went with it
    expect(await rows('f-')).toHaveLength(10);
    const totals = await db.query<{ total_minor: string | number }[]>(
      `SELECT total_minor FROM payment_daily_totals WHERE actor = 'limit-probe'`,
    );
    expect(totals.map((t) => Number(t.total_minor))).toEqual([10_000]);
  });
});
