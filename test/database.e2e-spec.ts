import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions, readerDataSourceOptions } from '../src/database/data-source-options.js';
import { Database } from '../src/database/database.js';
import { call, startGateway, type TestGateway } from './support/gateway.js';
import { sandboxAccounts } from './support/sandbox-admin.js';

/** Resolves after the event loop has turned (other requests and transactions get their turn). */
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('SQLite: one writer, readers that see only committed data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qbank-db-'));
  const url = `sqlite:${join(dir, 'probe.sqlite')}`;
  let writer: DataSource;
  let reader: DataSource;
  let db: Database;

  beforeAll(async () => {
    writer = await new DataSource({ ...dataSourceOptions(url), entities: [], migrations: [] }).initialize();
    await writer.query(
      'CREATE TABLE probe (id varchar(64) PRIMARY KEY, writer integer NOT NULL, step integer NOT NULL, at integer NOT NULL)',
    );
    reader = await new DataSource({ ...readerDataSourceOptions(url)!, entities: [] }).initialize();
    db = new Database(writer, reader);
  });
  afterAll(async () => {
    await db.onApplicationShutdown();
    await writer.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const rows = async (where = '1 = 1') => (await db.reader.query<{ id: string }[]>(`SELECT id FROM probe WHERE ${where}`)).map((r) => r.id);

  it('a reader never sees a write that is later rolled back, nor one not committed yet', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let wrote!: () => void;
    const written = new Promise<void>((resolve) => (wrote = resolve));
    const doomed = db.transaction(async (manager) => {
      await manager.query('INSERT INTO probe (id, writer, step, at) VALUES (?, 0, 0, 0)', ['doomed']);
      wrote();
      await held;
      throw new Error('refused after writing');
    });
    await written;
    expect(await rows()).toEqual([]); // written, not committed: invisible
    release();
    await expect(doomed).rejects.toThrow('refused after writing');
    expect(await rows()).toEqual([]);

    await db.transaction((manager) => manager.query('INSERT INTO probe (id, writer, step, at) VALUES (?, 0, 0, 0)', ['kept']));
    expect(await rows()).toEqual(['kept']); // committed: visible at once
  });

  it('a transaction opened inside another is refused at once (on the one writer it would wait for itself forever)', async () => {
    await expect(db.transaction(() => db.transaction(() => Promise.resolve('inner')))).rejects.toThrow(
      'a transaction opened inside another',
    );
    expect(await db.transaction(() => Promise.resolve('after'))).toBe('after'); // the writer is free again
  });

  it('writers never interleave: concurrent transactions run one after another, whoever calls', async () => {
    let clock = 0;
    const writers = Array.from({ length: 12 }, (_, writer) =>
      db.transaction(async (manager) => {
        for (let step = 0; step < 3; step += 1) {
          await manager.query('INSERT INTO probe (id, writer, step, at) VALUES (?, ?, ?, ?)', [
            randomUUID(),
            writer + 1,
            step,
            (clock += 1),
          ]);
          await turn(); // the others are free to run meanwhile; none may write into this transaction
        }
        if (writer % 4 === 3) throw new Error('rolled back');
      }),
    );
    const outcomes = await Promise.allSettled(writers);
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(3);
    const written = await db.reader.query<{ writer: number; step: number }[]>(
      'SELECT writer, step FROM probe WHERE writer > 0 ORDER BY at',
    );
    expect(written).toHaveLength(9 * 3); // the rolled-back writers left nothing, the others all three steps
    for (let i = 0; i < written.length; i += 3) {
      const group = written.slice(i, i + 3);
      expect(group.map((r) => r.step)).toEqual([0, 1, 2]);
      expect(new Set(group.map((r) => r.writer)).size).toBe(1);
    }
  });
});

describe('readers while payment limits refuse and roll back (real HTTP, the suite’s database)', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  it('no reader ever lists a payment whose recording was rolled back', async () => {
    gw.config.limits.payments.callers = { 'daily-capped': { WIRE: { perDay: '100.00' } } };
    const capped = gw.token('daily-capped', ['treasury-operator']);
    const viewer = gw.token('erp-reader', ['treasury-viewer']);
    const [account] = (await sandboxAccounts(gw.sandbox.baseUrl)).accountIds;
    const wire = () =>
      call(gw, 'POST', '/v1/payments/wire', {
        token: capped,
        headers: { 'idempotency-key': randomUUID() },
        body: {
          debtor_account_id: account,
          amount: '60.00',
          currency: 'USD',
          creditor: { name: 'Hooli', routing_number: '021000021', account_number: '123456789' },
        },
      });
    const accepted = await wire();
    expect(accepted.status).toBe(201);

    const seen = new Set<string>();
    let refusing = true;
    const readers = Array.from({ length: 4 }, async () => {
      do {
        const page = await call(gw, 'GET', '/v1/payments?type=WIRE&limit=1000', { token: viewer });
        expect(page.status).toBe(200);
        for (const p of page.body.data as { payment_id: string }[]) seen.add(p.payment_id);
      } while (refusing);
    });
    // Each of these records its payment, then finds the day's total over the limit and rolls it all back.
    const refused = await Promise.all(Array.from({ length: 40 }, wire));
    refusing = false;
    await Promise.all(readers);
    expect(refused.map((r) => r.status)).toEqual(Array.from({ length: 40 }, () => 422));
    expect([...seen]).toEqual([accepted.body.payment_id]);
  });
});
