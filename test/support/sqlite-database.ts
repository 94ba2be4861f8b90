import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { Clock } from '../../src/common/clock.js';
import { dataSourceOptions, readerDataSourceOptions } from '../../src/database/data-source-options.js';
import { Database } from '../../src/database/database.js';
import { runMigrations } from '../../src/database/migrate.js';

/** A migrated SQLite file of its own, for specs that check what services write (a real database, not a fake). */
export async function sqliteDatabase(): Promise<{ db: Database; writer: DataSource; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'qbank-spec-'));
  const url = `sqlite:${join(dir, 'gateway.sqlite')}`;
  await runMigrations({ url, migrationUrl: url, migrateOnStart: true });
  const writer = await new DataSource(dataSourceOptions(url)).initialize();
  const reader = await new DataSource(readerDataSourceOptions(url)!).initialize();
  const db = new Database(writer, reader);
  return {
    db,
    writer,
    close: async () => {
      await db.onApplicationShutdown();
      await writer.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A clock a spec moves by hand. */
export class ManualClock extends Clock {
  constructor(private at = new Date('2026-11-24T15:00:00.000Z')) {
    super();
  }
  override now(): Date {
    return new Date(this.at);
  }
  advance(ms: number): void {
    this.at = new Date(this.at.getTime() + ms);
  }
}
