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
    const run = () => this.writer.transaction(work);
    return this.writerTurn ? this.writerTurn.runExclusive(run) : run();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.readerSource !== this.writer && this.readerSource.isInitialized) await this.readerSource.destroy();
  }
}
