import { Injectable } from '@nestjs/common';
import { In, type EntityManager, type EntityTarget, type FindOptionsWhere, type ObjectLiteral } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { Clock } from '../common/clock.js';
import { Database } from '../database/database.js';
import type { RunProgress } from './syncer.js';

/** A resource QBank publishes whole every night (accounts, Positive Pay exceptions), and how it is stored. */
export interface Snapshot<Item, Row extends ObjectLiteral> {
  entity: EntityTarget<Row>;
  /** The primary key's property. */
  key: keyof Row & string;
  pages: AsyncIterable<{ data: Item[] }>;
  toRow: (item: Item, now: Date) => Row;
  /** The columns to write when a stored row differs from QBank's (undefined: it does not). */
  changes: (stored: Row, row: Row) => QueryDeepPartialEntity<Row> | undefined;
  /** Rows that were in the last snapshot (not closed or resolved yet). */
  listed: FindOptionsWhere<Row>;
  /** What marks a row that QBank no longer lists (closed, resolved): rows are never deleted. */
  unlisted: (now: Date) => QueryDeepPartialEntity<Row>;
  /** What else to write, in the same transaction, about the rows seen for the first time (their events). */
  inserted?: (manager: EntityManager, rows: Row[]) => Promise<void>;
}

/**
 * Syncs a snapshot page by page, one transaction each: new rows are inserted, changed rows updated, the
 * rest counted as unchanged; afterwards every row no longer listed is marked so. A re-run changes nothing.
 */
@Injectable()
export class SnapshotSync {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  async run<Item, Row extends ObjectLiteral>(snapshot: Snapshot<Item, Row>, progress: RunProgress): Promise<void> {
    const { db, clock } = this;
    const seen = new Set<string>();
    for await (const page of snapshot.pages) {
      const now = clock.now();
      const rows = page.data.map((item) => snapshot.toRow(item, now));
      const counts = await db.transaction(async (manager) => {
        const counts = { inserted: 0, updated: 0, unchanged: 0 };
        const ids = rows.map((row) => String(row[snapshot.key]));
        const stored = new Map(
          (await manager.findBy(snapshot.entity, { [snapshot.key]: In(ids) } as FindOptionsWhere<Row>)).map((row) => [
            String(row[snapshot.key]),
            row,
          ]),
        );
        const fresh: Row[] = [];
        for (const row of rows) {
          const id = String(row[snapshot.key]);
          seen.add(id);
          const existing = stored.get(id);
          const changes = existing && snapshot.changes(existing, row);
          if (!existing) fresh.push(row);
          else if (changes) await manager.update(snapshot.entity, { [snapshot.key]: id }, changes);
          if (existing) counts[changes ? 'updated' : 'unchanged'] += 1;
        }
        if (fresh.length > 0) {
          await manager.createQueryBuilder().insert().into(snapshot.entity).values(fresh).updateEntity(false).execute();
          await snapshot.inserted?.(manager, fresh);
        }
        counts.inserted = fresh.length;
        return counts;
      });
      // Counted once committed: a run that fails reports only what it stored.
      for (const change of ['inserted', 'updated', 'unchanged'] as const) progress[change] += counts[change];
      progress.pages += 1;
      await progress.onPage();
    }
    const gone = (await db.reader.find(snapshot.entity, { where: snapshot.listed }))
      .map((row) => String(row[snapshot.key]))
      .filter((id) => !seen.has(id));
    if (gone.length === 0) return;
    await db.transaction((manager) => manager.update(snapshot.entity, { [snapshot.key]: In(gone) }, snapshot.unlisted(clock.now())));
    progress.updated += gone.length;
  }
}
