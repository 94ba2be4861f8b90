import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, type QueryRunner } from 'typeorm';
import { type PgClient, statementName } from './prepared-statements.js';

/** What to do once a transaction has ended: `committed` false after a rollback (or a commit that failed). */
export type TransactionEndHook = (committed: boolean) => void;

/** A write whose result nobody reads: it may be sent later, together with others, in one statement. */
export interface StagedWrite {
  sql: string;
  params: unknown[];
  /**
   * The rows it writes (`table:primary key`). The parts of one statement all see the database as it was
   * before it, so a write of a row already staged is never merged with that earlier write: the staged
   * writes are sent first.
   */
  keys?: string[];
  /**
   * Turns the database's refusal of the statement holding this write into the error to throw instead (if it
   * is this write's). `query` reads on the same connection, outside the failed transaction.
   */
  failure?: (error: unknown, query: ReadQuery) => Promise<Error | undefined>;
}

export type ReadQuery = <R>(sql: string, params: unknown[]) => Promise<R[]>;

interface Hooks {
  beforeCommit: (() => Promise<void>)[];
  end: TransactionEndHook[];
  /** PostgreSQL: staged writes wait to be sent together; SQLite: they run at once. */
  defer: boolean;
  staged: StagedWrite[];
  keys: Set<string>;
  /** Sends the staged writes now (PostgreSQL), in as few statements as their parameters allow. */
  flush: () => Promise<void>;
  /** Opens the transaction now (PostgreSQL opens it with the unit's first statement). */
  begin: () => Promise<void>;
  /** PostgreSQL: runs a statement of the transaction as a named (once-planned) statement, after what is staged. */
  prepared?: (sql: string, params: unknown[], named: boolean) => Promise<number | null>;
}

const hooksOf = new WeakMap<EntityManager, Hooks>();

/** PostgreSQL's limit is 65,535 parameters per statement; staying well below it keeps statements modest. */
const MAX_PARAMS_PER_STATEMENT = 30_000;
/** Writes per statement: each is a `WITH` part to plan, and a payment's bookkeeping needs a handful. */
const MAX_WRITES_PER_STATEMENT = 50;

/** Statements that manage the transaction itself. */
const CONTROL = /^\s*(START TRANSACTION|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)/i;

/**
 * Runs units of work in database transactions. On SQLite, TypeORM shares one connection, so two
 * concurrent transactions would silently nest as savepoints of each other; here they (and every other
 * write) queue instead, one at a time.
 *
 * On PostgreSQL each unit gets a pooled connection, and round trips are what a unit costs, so:
 * - writes whose results nobody reads (payments, history rows, audit events, status updates) are *staged*
 *   and sent together as one statement (data-modifying `WITH` parts) just before the unit's next statement
 *   or its commit; order is kept, as a statement that reads sends the staged writes first;
 * - the transaction is opened only when the unit first sends a statement of its own. A unit that only
 *   staged writes sends them as one statement on its own — atomic, and committed in the same round trip —
 *   so row locks it takes (a caller's daily total) are held only while the database executes it.
 * On SQLite (in-process, no round trips) a staged write runs at once.
 */
@Injectable()
export class TransactionRunner {
  private tail: Promise<unknown> = Promise.resolve();
  readonly serialised: boolean;

  constructor(private readonly dataSource: DataSource) {
    this.serialised = dataSource.options.type !== 'postgres';
  }

  /** `work` in one transaction. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.serialised ? this.exclusive(() => this.sqliteTransaction(work)) : this.postgresTransaction(work);
  }

  private async sqliteTransaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    let hooks: Hooks | undefined;
    let committed = false;
    try {
      const result = await this.dataSource.transaction(async (manager) => {
        hooks = newHooks(false);
        hooksOf.set(manager, hooks);
        const value = await work(manager);
        for (const hook of hooks.beforeCommit) await hook();
        return value;
      });
      committed = true;
      return result;
    } finally {
      for (const hook of hooks?.end ?? []) hook(committed);
    }
  }

  private async postgresTransaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    const hooks = newHooks(true);
    let committed = false;
    try {
      await runner.connect();
      const unit = deferStatements(runner, hooks);
      hooksOf.set(runner.manager, hooks);
      try {
        const value = await work(runner.manager);
        for (const hook of hooks.beforeCommit) await hook();
        await unit.commit();
        committed = true;
        return value;
      } catch (error) {
        await unit.rollback();
        throw error;
      }
    } finally {
      await runner.release();
      for (const hook of hooks.end) hook(committed);
    }
  }

  private static hooks(manager: EntityManager): Hooks {
    const hooks = hooksOf.get(manager);
    if (!hooks) throw new Error('not inside a TransactionRunner transaction');
    return hooks;
  }

  /**
   * Registers `hook` to run when the transaction of `manager` ends. Throws when `manager` is not one of
   * this runner's transactions: what needs the hook (the audit chain) must not run outside one.
   */
  static onEnd(manager: EntityManager, hook: TransactionEndHook): void {
    TransactionRunner.hooks(manager).end.push(hook);
  }

  /**
   * Opens the transaction of `manager` now, for what TypeORM only runs inside an open one (a locking read);
   * on PostgreSQL it is otherwise opened by the unit's first statement of its own.
   */
  static async open(manager: EntityManager): Promise<void> {
    await TransactionRunner.hooks(manager).begin();
  }

  /** Registers work to run inside the transaction of `manager`, after everything else, just before it commits. */
  static beforeCommit(manager: EntityManager, hook: () => Promise<void>): void {
    TransactionRunner.hooks(manager).beforeCommit.push(hook);
  }

  /** A write of the transaction of `manager` whose result is not needed (see the class comment). */
  static async stage(manager: EntityManager, write: StagedWrite): Promise<void> {
    const hooks = TransactionRunner.hooks(manager);
    if (!hooks.defer) {
      try {
        await manager.query(write.sql, write.params);
      } catch (error) {
        throw (await write.failure?.(error, (sql, params) => manager.query(sql, params))) ?? error;
      }
      return;
    }
    if (write.keys?.some((key) => hooks.keys.has(key))) await hooks.flush();
    hooks.staged.push(write);
    for (const key of write.keys ?? []) hooks.keys.add(key);
  }

  /**
   * A write of the transaction of `manager` whose row count is needed (a bulk insert that ignores
   * conflicts); returns how many rows it changed. On PostgreSQL, when `named`, it is parsed and planned once
   * per connection: for a 250-row, 3,500-parameter INSERT that was most of its cost (a first sync went from
   * ~35k to ~57k rows/s). Name only statements whose text recurs.
   */
  static async write(manager: EntityManager, sql: string, params: unknown[], named: boolean): Promise<number | undefined> {
    const { prepared } = TransactionRunner.hooks(manager);
    if (prepared) return (await prepared(sql, params, named)) ?? undefined;
    return ((await manager.queryRunner!.query(sql, params, true)) as { affected?: number }).affected;
  }

  /**
   * SQLite: writes the WAL back into the database file now and empties it. Run after a bulk write (a sync),
   * so that the checkpoint of its pages is paid by the bulk write itself, not by whichever later commit (a
   * payment, an audit batch) takes the WAL past `wal_autocheckpoint`. Nothing to do on PostgreSQL.
   */
  async checkpoint(): Promise<void> {
    if (this.serialised) await this.exclusive(() => this.dataSource.query('PRAGMA wal_checkpoint(TRUNCATE)'));
  }

  /** A write outside a transaction, queued behind running transactions on SQLite. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (!this.serialised) return work();
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

function newHooks(defer: boolean): Hooks {
  return { beforeCommit: [], end: [], defer, staged: [], keys: new Set(), flush: () => Promise.resolve(), begin: () => Promise.resolve() };
}

/**
 * Makes `runner` open its transaction lazily and send staged writes before anything else; returns how to
 * end the unit. `commit` sends what is still staged: alone, without a transaction, when nothing else was
 * sent and it fits in one statement; otherwise inside the transaction, which it then commits.
 */
function deferStatements(runner: QueryRunner, hooks: Hooks): { commit: () => Promise<void>; rollback: () => Promise<void> } {
  const direct = runner.query.bind(runner) as (sql: string, params?: unknown[], structured?: boolean) => Promise<unknown>;
  let started = false;
  const begin = async (): Promise<void> => {
    if (started) return;
    started = true;
    await runner.startTransaction();
  };
  hooks.begin = begin;
  /** On the unit's own connection; a named statement is parsed and planned once per connection, later units send only its values. */
  const execute = async (sql: string, values: unknown[], named: boolean) =>
    ((await runner.connect()) as PgClient).query({ name: named ? statementName(sql) : undefined, text: sql, values });
  const send = async (batch: StagedWrite[]): Promise<void> => {
    const [sql, values] = combine(batch);
    try {
      await execute(sql, values, true);
    } catch (error) {
      if (!batch.some((write) => write.failure)) throw error;
      // The transaction is over either way; ending it frees the connection for the explanation's reads.
      if (started && runner.isTransactionActive) await runner.rollbackTransaction();
      const read: ReadQuery = (sql, params) => direct(sql, params) as Promise<never[]>;
      for (const write of batch) {
        const replacement = await write.failure?.(error, read);
        if (replacement) throw replacement;
      }
      throw error;
    }
  };
  const batches = (): StagedWrite[][] => {
    const all: StagedWrite[][] = [];
    let batch: StagedWrite[] = [];
    let params = 0;
    for (const write of hooks.staged) {
      if (batch.length > 0 && (params + write.params.length > MAX_PARAMS_PER_STATEMENT || batch.length >= MAX_WRITES_PER_STATEMENT)) {
        all.push(batch);
        batch = [];
        params = 0;
      }
      batch.push(write);
      params += write.params.length;
    }
    if (batch.length > 0) all.push(batch);
    hooks.staged.length = 0;
    hooks.keys.clear();
    return all;
  };
  hooks.flush = async () => {
    if (hooks.staged.length === 0) return;
    await begin();
    for (const batch of batches()) await send(batch);
  };
  hooks.prepared = async (sql, values, named) => {
    await begin();
    await hooks.flush();
    return (await execute(sql, values, named)).rowCount ?? null;
  };
  runner.query = (async (sql: string, params?: unknown[], structured?: boolean) => {
    if (!CONTROL.test(sql)) {
      await begin();
      await hooks.flush();
    }
    return direct(sql, params, structured);
  }) as QueryRunner['query'];
  return {
    commit: async () => {
      const pending = batches();
      if (!started && pending.length <= 1) return pending[0] ? send(pending[0]) : undefined;
      await begin();
      for (const batch of pending) await send(batch);
      await runner.commitTransaction();
    },
    rollback: async () => {
      hooks.staged.length = 0;
      hooks.keys.clear();
      if (started && runner.isTransactionActive) await runner.rollbackTransaction();
    },
  };
}

/** Combined texts by the texts of their parts (the same shapes recur: rendering them once saves the rewriting). */
const MAX_COMBINED_TEXTS = 500;
const combinedTexts = new Map<string, string>();

/** Writes as one statement: all but the last become `WITH` parts, their `$n` placeholders renumbered. */
function combine(writes: StagedWrite[]): [string, unknown[]] {
  const params = writes.length === 1 ? writes[0]!.params : writes.flatMap((write) => write.params);
  if (writes.length === 1) return [writes[0]!.sql, params];
  const key = writes.map((write) => write.sql).join('\u0000');
  let sql = combinedTexts.get(key);
  if (sql === undefined) {
    let offset = 0;
    const parts = writes.map((write) => {
      const from = offset;
      offset += write.params.length;
      return write.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + from}`);
    });
    const last = parts.pop()!;
    sql = `WITH ${parts.map((part, i) => `staged_${i} AS (${part})`).join(', ')} ${last}`;
    if (combinedTexts.size < MAX_COMBINED_TEXTS) combinedTexts.set(key, sql);
  }
  return [sql, params];
}
