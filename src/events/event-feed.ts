import { Injectable } from '@nestjs/common';
import type { AuditActor } from '../audit/audit-event.factory.js';
import { AccountGrants } from '../auth/account-grants.js';
import { ValidationFailedError } from '../common/errors/gateway-errors.js';
import { Database } from '../database/database.js';
import { OutboxEvent } from './event.entity.js';
import { EVENT_TYPES } from './event-types.js';
import { isAdmin } from './event-subscriptions.service.js';

/** Where a follower of the feed stands: after this event (SQLite: its seq; PostgreSQL: its transaction id and seq). */
interface Position {
  xid?: string;
  seq: string;
}

/**
 * The pull feed `GET /v1/events` (contract §14): every event the caller may see, each exactly once, in
 * commit order. Ordering by a sequence or a timestamp alone would skip: on PostgreSQL a transaction that
 * took seq 10 may commit after one that took seq 11, and a follower that read 11 and moved its cursor past
 * it never sees 10. So:
 * - SQLite has one writer, and its transactions take turns (`Database.transaction`): seqs are assigned in
 *   commit order, and the feed follows seq.
 * - PostgreSQL stores each event's transaction id (`pg_current_xact_id()`) and serves only the events of
 *   transactions older than the oldest one still running (`pg_snapshot_xmin(pg_current_snapshot())`): that
 *   set never grows below the watermark, so (xid, seq) is a cursor no later commit can fall behind. A
 *   transaction running for long holds the feed back (never skips it) until it ends.
 */
@Injectable()
export class EventFeed {
  constructor(
    private readonly db: Database,
    private readonly grants: AccountGrants,
  ) {}

  async page(
    by: AuditActor,
    query: { after?: string; types?: string; limit?: number },
  ): Promise<{ data: unknown[]; next_cursor: string | null }> {
    const limit = query.limit ?? 100;
    const after = this.decode(query.after);
    const types = query.types?.split(',').map((t) => t.trim());
    const unknown = types?.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));
    if (unknown?.length) throw new ValidationFailedError(`types: unknown event type ${unknown.join(', ')}`);
    const q = this.db.reader.createQueryBuilder(OutboxEvent, 'e').select(['e.seq', 'e.body']);
    if (types) q.andWhere('e.type IN (:...types)', { types });
    if (!isAdmin(by)) {
      // The feed's form of `maySee`: the caller's payments, its readable accounts, and events about neither.
      const readable = this.grants.readable(by);
      const accounts = readable === undefined ? 'e.account_id IS NOT NULL' : readable.length ? 'e.account_id IN (:...readable)' : '1 = 0';
      q.andWhere(`(e.initiated_by = :sub OR ${accounts} OR (e.account_id IS NULL AND e.initiated_by IS NULL))`, { sub: by.sub, readable });
    }
    if (this.db.postgres) {
      q.addSelect('e.xid::text', 'xid').andWhere('e.xid < pg_snapshot_xmin(pg_current_snapshot())');
      if (after) q.andWhere('(e.xid, e.seq) > (CAST(:xid AS xid8), CAST(:seq AS bigint))', { xid: after.xid ?? '0', seq: after.seq });
      q.orderBy('e.xid', 'ASC').addOrderBy('e.seq', 'ASC');
    } else {
      if (after) q.andWhere('e.seq > :seq', { seq: Number(after.seq) });
      q.orderBy('e.seq', 'ASC');
    }
    const { entities, raw } = await q.limit(limit).getRawAndEntities<{ xid?: string }>();
    const last = entities.length ? { seq: String(entities.at(-1)!.seq), xid: raw.at(-1)?.xid } : undefined;
    return {
      data: entities.map((e) => JSON.parse(e.body) as unknown),
      next_cursor: last ? encode(last) : (query.after ?? null),
    };
  }

  private decode(cursor: string | undefined): Position | undefined {
    if (cursor === undefined) return undefined;
    const text = Buffer.from(cursor, 'base64url').toString('utf8');
    const match = (this.db.postgres ? /^(\d{1,20})\.(\d{1,18})$/ : /^(\d{1,18})$/).exec(text);
    if (!match) throw new ValidationFailedError('after: not a cursor of this feed');
    return this.db.postgres ? { xid: match[1]!, seq: match[2]! } : { seq: match[1]! };
  }
}

const encode = (p: Position): string => Buffer.from(p.xid === undefined ? p.seq : `${p.xid}.${p.seq}`).toString('base64url');
