import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';

/**
 * Inserts the rows that no unique constraint already holds (`INSERT … ON CONFLICT DO NOTHING`, built by
 * TypeORM's query builder for either database); answers how many were inserted. The database decides
 * between racing writers: one insert wins, the others learn they lost without an error.
 */
export async function insertIgnoringConflicts<T extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  rows: QueryDeepPartialEntity<T> | QueryDeepPartialEntity<T>[],
): Promise<number> {
  const [sql, parameters] = manager.createQueryBuilder().insert().into(entity).values(rows).orIgnore().getQueryAndParameters();
  // TypeORM's InsertResult does not say how many rows were inserted; the driver's affected-row count does.
  const result = await manager.queryRunner!.query(sql, parameters, true);
  return result.affected ?? 0;
}

/** Inserts `row` unless a unique constraint already holds it; answers whether it was inserted. */
export async function insertIfAbsent<T extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  row: QueryDeepPartialEntity<T>,
): Promise<boolean> {
  return (await insertIgnoringConflicts(manager, entity, row)) === 1;
}
