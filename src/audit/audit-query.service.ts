import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository, SelectQueryBuilder } from 'typeorm';
import { dateRange, decodeCursor, encodeCursor } from '../common/date-range.js';
import { NotFoundError } from '../common/errors/gateway-errors.js';
import { AuditEvent } from './audit-event.entity.js';
import { auditEventView, type AuditEventView } from './audit-event.view.js';
import type { AuditFilterQuery, ListAuditEventsQuery } from './audit-query.dto.js';

/** Rows per query while exporting: large enough to keep round trips few, small enough to keep memory flat. */
const EXPORT_PAGE = 2_000;

/**
 * Reads of the audit trail: the filtered list (newest first, keyset-paginated on (occurred_at, id), which
 * the indexes serve with or without an actor), one event, and the export (oldest first, page by page, so
 * any volume streams in constant memory).
 */
@Injectable()
export class AuditQueryService {
  constructor(@InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>) {}

  private filtered(query: AuditFilterQuery): SelectQueryBuilder<AuditEvent> {
    const { from, toExclusive } = dateRange(query.from, query.to);
    const q = this.events.createQueryBuilder('e');
    if (query.actor !== undefined) q.andWhere('e.actor = :actor', { actor: query.actor });
    if (query.action !== undefined) q.andWhere('e.action = :action', { action: query.action });
    if (query.resource_id !== undefined) q.andWhere('e.resource_id = :resourceId', { resourceId: query.resource_id });
    if (query.request_id !== undefined) q.andWhere('e.request_id = :requestId', { requestId: query.request_id.toLowerCase() });
    if (query.outcome !== undefined) q.andWhere('e.outcome = :outcome', { outcome: query.outcome });
    if (query.kind !== undefined) q.andWhere('e.kind = :kind', { kind: query.kind });
    if (from) q.andWhere('e.occurred_at >= :from', { from });
    if (toExclusive) q.andWhere('e.occurred_at < :to', { to: toExclusive });
    return q;
  }

  async list(query: ListAuditEventsQuery): Promise<{ data: AuditEventView[]; next_cursor: string | null }> {
    const limit = query.limit ?? 100;
    const q = this.filtered(query);
    const cursor = decodeCursor(query.cursor, 2);
    if (cursor) {
      const [at, id] = cursor as [string, string];
      q.andWhere('(e.occurred_at < :at OR (e.occurred_at = :at AND e.id < :id))', { at: new Date(at), id });
    }
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
    const event = await this.events.findOneBy({ id });
    if (!event) throw new NotFoundError(`No audit event ${id}`);
    return auditEventView(event);
  }

  /** Every matching event, oldest first, read a page at a time as the consumer asks for more. */
  async *stream(query: AuditFilterQuery): AsyncGenerator<AuditEventView[]> {
    let after: AuditEvent | undefined;
    for (;;) {
      const q = this.filtered(query);
      if (after) q.andWhere('(e.occurred_at > :at OR (e.occurred_at = :at AND e.id > :id))', { at: after.occurredAt, id: after.id });
      const rows = await q.orderBy('e.occurred_at', 'ASC').addOrderBy('e.id', 'ASC').take(EXPORT_PAGE).getMany();
      if (rows.length > 0) yield rows.map(auditEventView);
      if (rows.length < EXPORT_PAGE) return;
      after = rows[rows.length - 1];
    }
  }
}
