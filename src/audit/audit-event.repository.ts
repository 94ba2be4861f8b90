import { Injectable } from '@nestjs/common';
import type { EntityManager, SelectQueryBuilder } from 'typeorm';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import { dateRange } from '../common/date-range.js';
import { NotFoundError } from '../common/errors/gateway-errors.js';
import { Database } from '../database/database.js';
import { AuditEvent } from './audit-event.entity.js';
import { auditEventView, type AuditEventView } from './audit-event.view.js';
import type { AuditFilterQuery, ListAuditEventsQuery } from './audit-query.dto.js';

/** Rows per INSERT: TypeORM's statement building grows faster than linearly with its length. */
const INSERT_CHUNK = 100;

/** Rows per query while exporting: 500 keeps the heap flat (larger pages get promoted to the old generation and grow RSS by 200 MB) and is faster. */
const EXPORT_PAGE = 500;

/**
 * The audit events (table `audit_events`): appended inside the transaction of what they record (the ledger
 * chains them first), and read as the filtered list (newest first, keyset-paginated on (occurred_at, id),
 * which the indexes serve with or without an actor), one event, and the export (oldest first, page by
 * page, so any volume streams in constant memory).
 */
@Injectable()
export class AuditEventRepository {
  constructor(private readonly db: Database) {}

  /**
   * On PostgreSQL, lets the append-only trigger pass deletes of the audit tables in `manager`'s transaction only
   * (retention). Raw SQL: a transaction-local setting (`SET LOCAL`) has no TypeORM API.
   */
  async allowRetentionDeletes(manager: EntityManager): Promise<void> {
    await manager.queryRunner!.query(`SET LOCAL qbank_gateway.audit_retention = 'on'`);
  }

  /** Inserts chained events in the caller's transaction. */
  async insert(manager: EntityManager, events: AuditEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += INSERT_CHUNK)
      await manager
        .createQueryBuilder()
        .insert()
        .into(AuditEvent)
        .values(events.slice(i, i + INSERT_CHUNK))
        .updateEntity(false)
        .execute();
  }

  /**
   * The filters; `keyset` continues after (or, newest first, before) the last row of a page. Its instant
   * also becomes the bound of the time range, so the index range scan starts at the page boundary rather
   * than at the range's start (an OR on its own would make each page rescan every row before it).
   */
  private filtered(query: AuditFilterQuery, keyset?: { at: Date; id: string; newestFirst: boolean }): SelectQueryBuilder<AuditEvent> {
    const range = dateRange(query.from, query.to);
    let { from, toExclusive } = range;
    if (keyset && !keyset.newestFirst && (!from || keyset.at > from)) from = keyset.at;
    if (keyset?.newestFirst && (!toExclusive || keyset.at < toExclusive)) toExclusive = new Date(keyset.at.getTime() + 1);
    const q = this.db.reader.createQueryBuilder(AuditEvent, 'e');
    if (query.actor !== undefined) q.andWhere('e.actor = :actor', { actor: query.actor });
    if (query.action !== undefined) q.andWhere('e.action = :action', { action: query.action });
    if (query.resource_id !== undefined) q.andWhere('e.resource_id = :resourceId', { resourceId: query.resource_id });
    if (query.request_id !== undefined) q.andWhere('e.request_id = :requestId', { requestId: query.request_id.toLowerCase() });
    if (query.outcome !== undefined) q.andWhere('e.outcome = :outcome', { outcome: query.outcome });
    if (query.kind !== undefined) q.andWhere('e.kind = :kind', { kind: query.kind });
    if (from) q.andWhere('e.occurred_at >= :from', { from });
    if (toExclusive) q.andWhere('e.occurred_at < :to', { to: toExclusive });
    if (keyset)
      q.andWhere(keyset.newestFirst ? '(e.occurred_at < :at OR e.id < :id)' : '(e.occurred_at > :at OR e.id > :id)', {
        at: keyset.at,
        id: keyset.id,
      });
    return q;
  }

  async list(query: ListAuditEventsQuery): Promise<{ data: AuditEventView[]; next_cursor: string | null }> {
    const limit = query.limit ?? 100;
    const cursor = decodeCursor(query.cursor, ['instant', 'uuid']);
    const q = this.filtered(query, cursor ? { at: new Date(cursor[0]), id: cursor[1], newestFirst: true } : undefined);
    const rows = await q
      .orderBy('e.occurred_at', 'DESC')
      .addOrderBy('e.id', 'DESC')
      .take(limit + 1)
      .getMany();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      data: page.map(auditEventView),
      next_cursor: rows.length > limit && last ? encodeCursor([last.occurredAt.toISOString(), last.id]) : null,
    };
  }

  async get(id: string): Promise<AuditEventView> {
    const event = await this.db.reader.findOneBy(AuditEvent, { id });
    if (!event) throw new NotFoundError(`No audit event ${id}`);
    return auditEventView(event);
  }

  /**
   * Every matching event, oldest first, read a page at a time as the consumer asks for more. Rows are read
   * raw (no entity hydration: an export is millions of rows) and turned into views directly.
   */
  async *stream(query: AuditFilterQuery): AsyncGenerator<AuditEventView[]> {
    const columns = this.db.reader.connection.getMetadata(AuditEvent).columns;
    let after: { at: Date; id: string } | undefined;
    for (;;) {
      const q = this.filtered(query, after && { ...after, newestFirst: false }).select(columns.map((c) => `e.${c.propertyName}`));
      const raw = await q
        .orderBy('e.occurred_at', 'ASC')
        .addOrderBy('e.id', 'ASC')
        .limit(EXPORT_PAGE)
        .getRawMany<Record<string, unknown>>();
      const events = raw.map((row) => {
        const event = new AuditEvent();
        for (const column of columns) {
          const value = row[`e_${column.databaseName}`];
          (event as unknown as Record<string, unknown>)[column.propertyName] = value === undefined ? null : value;
        }
        event.occurredAt = toDate(row.e_occurred_at as Date | string);
        if (event.chainSeq !== null) event.chainSeq = Number(event.chainSeq);
        if (event.status !== null) event.status = Number(event.status);
        if (event.latencyMs !== null) event.latencyMs = Number(event.latencyMs);
        return event;
      });
      if (events.length > 0) yield events.map(auditEventView);
      if (events.length < EXPORT_PAGE) return;
      const last = events[events.length - 1]!;
      after = { at: last.occurredAt, id: last.id };
    }
  }
}

/** PostgreSQL's driver gives Dates; SQLite gives its UTC text (`2026-11-24 09:30:00.123`). */
function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(`${value.replace(' ', 'T')}Z`);
}
