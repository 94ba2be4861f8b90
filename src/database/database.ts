import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Mutex } from 'async-mutex';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * The gateway's database: every write runs in `transaction(work)` — TypeORM's `DataSource.transaction`,
 * whose EntityManager the caller passes explicitly to the repositories it writes through — and every read
 * outside a transaction goes to `reader`.
 *
 * SQLite has one writer connection, and `transaction` lets one transaction at a time run on it (a mutex),
 * so two writers never interleave or nest as savepoints of each other. Reads outside a transaction use a
 * second, query-only connection: in WAL mode each of its statements sees a snapshot of committed data, so a
 * reader never sees a write that is later rolled back. On PostgreSQL both are the same pool.
 */
@Injectable()
export class Database implements OnApplicationShutdown {
  readonly postgres: boolean;
  private readonly writerTurn: Mutex | undefined;
  /** Set inside a transaction's work: a transaction opened there would wait for the writer it holds (SQLite). */
  private readonly inside = new AsyncLocalStorage<true>();
  /** What to run once a transaction's work has committed, by its EntityManager. */
  private readonly committed = new WeakMap<EntityManager, (() => void)[]>();

  constructor(
    private readonly writer: DataSource,
    private readonly readerSource: DataSource,
  ) {
    this.postgres = writer.options.type === 'postgres';
    this.writerTurn = this.postgres ? undefined : new Mutex();
  }

  /** Committed data, for reads outside a transaction. */
  get reader(): EntityManager {
    return this.readerSource.manager;
  }

  /** `work` in one transaction, committed when it resolves and rolled back when it throws. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.inside.getStore()) return Promise.reject(new Error('a transaction opened inside another: pass its EntityManager instead'));
    let used: EntityManager | undefined;
    const run = () =>
      this.writer.transaction((manager) => {
        used = manager;
        return this.inside.run(true, () => work(manager));
      });
    const done = this.writerTurn ? this.writerTurn.runExclusive(run) : run();
    return done.then((result) => {
      const hooks = used && this.committed.get(used);
      if (used) this.committed.delete(used);
      for (const hook of hooks ?? []) hook();
      return result;
    });
  }

  /** One round trip to the database (health checks): TypeORM has no API for it, so the smallest statement there is. */
  ping(): Promise<unknown> {
    return this.writer.query('SELECT 1');
  }

  /** Runs `hook` once the transaction of `manager` has committed (never when it rolls back); `hook` must not throw. */
  afterCommit(manager: EntityManager, hook: () => void): void {
    const hooks = this.committed.get(manager);
    if (hooks) hooks.push(hook);
    else this.committed.set(manager, [hook]);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.readerSource !== this.writer && this.readerSource.isInitialized) await this.readerSource.destroy();
  }
}
