import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { GatewayConfig } from '../config/gateway-config.js';
import { createSqliteAppendOnlyTriggers, dropSqliteAppendOnlyTriggers } from '../database/migrations/1764300000000-audit-trail.js';
import { Database } from '../database/database.js';
import { recordEvent } from './audit-event.factory.js';
import { AuditCheckpoint, AuditEvent } from './audit-event.entity.js';
import { AuditEventRepository } from './audit-event.repository.js';
import { AuditLedger } from './audit-ledger.js';

export interface RetentionReport {
  removedBefore: string;
  removed: number;
  checkpoints: number;
}

/**
 * Removes the audit events of whole UTC days before `before`, chain by chain: each chain loses a prefix
 * (its events up to the last one before the first event at or after `before`), and the hash of the last
 * event removed is kept as a checkpoint, so that what remains still verifies. Everything happens in one
 * transaction, recorded by an `audit.retention` event. On PostgreSQL the append-only trigger lets the
 * tables' owner delete inside this transaction only; on SQLite the triggers are dropped and re-created
 * within it.
 */
export async function removeExpiredAuditEvents(dataSource: DataSource, before: Date, actor: string): Promise<RetentionReport> {
  const postgres = dataSource.options.type === 'postgres';
  const db = new Database(dataSource, dataSource);
  const events = new AuditEventRepository(db);
  const ledger = new AuditLedger(dataSource, { audit: { enabled: true } } as GatewayConfig, events);
  return db.transaction(async (manager) => {
    const runner = manager.queryRunner!;
    // The append-only trigger lets deletes through only in this transaction.
    if (postgres) await events.allowRetentionDeletes(manager);
    else for (const table of ['audit_events', 'audit_checkpoints']) await dropSqliteAppendOnlyTriggers(runner, table);

    const chains = await manager
      .createQueryBuilder(AuditEvent, 'e')
      .select('e.chain_id', 'chain_id')
      .addSelect('MAX(e.chain_seq)', 'last_old')
      .where('e.occurred_at < :before AND e.chain_id IS NOT NULL', { before })
      .groupBy('e.chain_id')
      .getRawMany<{ chain_id: string; last_old: string | number }>();
    let removed = 0;
    let checkpoints = 0;
    for (const { chain_id: chainId, last_old: lastOld } of chains) {
      const firstKept = await manager
        .createQueryBuilder(AuditEvent, 'e')
        .select('MIN(e.chain_seq)', 'seq')
        .where('e.chain_id = :chainId AND e.occurred_at >= :before', { chainId, before })
        .getRawOne<{ seq: string | number | null }>();
      const firstSeq = firstKept?.seq;
      const cut = firstSeq === null || firstSeq === undefined ? Number(lastOld) : Number(firstSeq) - 1;
      if (cut < 1) continue;
      const last = await manager.findOneByOrFail(AuditEvent, { chainId, chainSeq: cut });
      await manager.insert(AuditCheckpoint, {
        id: randomUUID(),
        chainId,
        chainSeq: cut,
        hash: last.hash!,
        removedBefore: before,
        createdAt: new Date(),
      });
      checkpoints += 1;
      const result = await manager
        .createQueryBuilder()
        .delete()
        .from(AuditEvent)
        .where('chain_id = :chainId AND chain_seq <= :cut', { chainId, cut })
        .execute();
      removed += result.affected ?? 0;
    }
    // Events recorded before the chain existed have nothing to keep a checkpoint of.
    const unchained = await manager
      .createQueryBuilder()
      .delete()
      .from(AuditEvent)
      .where('chain_id IS NULL AND occurred_at < :before', { before })
      .execute();
    removed += unchained.affected ?? 0;

    if (!postgres) for (const table of ['audit_events', 'audit_checkpoints']) await createSqliteAppendOnlyTriggers(runner, table);
    await ledger.append(manager, [
      recordEvent({
        kind: 'audit',
        action: 'audit.retention',
        resourceType: 'audit_events',
        resourceId: before.toISOString(),
        by: { sub: actor },
        detail: { removed_before: before.toISOString(), removed, checkpoints },
      }),
    ]);
    return { removedBefore: before.toISOString(), removed, checkpoints };
  });
}

/** The start of the UTC day `days` days before `now`: retention only ever removes whole days. */
export function retentionCutoff(now: Date, days: number): Date {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  return new Date(day.getTime() - days * 86_400_000);
}
