import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/** What to do once a transaction has ended: `committed` false after a rollback (or a commit that failed). */
export type TransactionEndHook = (committed: boolean) => void;

interface Hooks {
  beforeCommit: (() => Promise<void>)[];
  end: TransactionEndHook[];
}

const hooksOf = new WeakMap<EntityManager, Hooks>();

/**
 * Runs units of work in database transactions. On SQLite, TypeORM shares one connection, so two
 * concurrent transactions would silently nest as savepoints of each other; here they (and every other
 * write) queue instead, one at a time. PostgreSQL gets a connection per transaction from its pool.
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
    return this.exclusive(async () => {
      const hooks: Hooks = { beforeCommit: [], end: [] };
      let committed = false;
      try {
        const result = await this.dataSource.transaction(async (manager) => {
          hooksOf.set(manager, hooks);
          const value = await work(manager);
          for (const hook of hooks.beforeCommit) await hook();
          return value;
        });
        committed = true;
        return result;
      } finally {
        for (const hook of hooks.end) hook(committed);
      }
    });
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

  /** Registers work to run inside the transaction of `manager`, after everything else, just before it commits. */
  static beforeCommit(manager: EntityManager, hook: () => Promise<void>): void {
    TransactionRunner.hooks(manager).beforeCommit.push(hook);
  }

  /** A write outside a transaction, queued behind running transactions on SQLite. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (!this.serialised) return work();
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
