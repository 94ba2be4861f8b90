import { Injectable } from '@nestjs/common';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import { Database } from '../database/database.js';
import { PositivePayExceptionEntity } from './positivepay-exception.entity.js';
import { exceptionView, type ExceptionView } from './positivepay-exception.view.js';

/** Positive Pay exceptions of the store (table `positivepay_exceptions`), as synced from QBank's daily snapshot. */
@Injectable()
export class PositivePayExceptionRepository {
  constructor(private readonly db: Database) {}

  /** Outstanding exceptions (those still in QBank's latest snapshot), newest first. */
  async list(query: {
    accountId?: string;
    /** Only these accounts (the caller's grant); undefined for all. */
    readable?: string[];
    status?: string;
    limit: number;
    cursor?: string;
  }): Promise<{ data: ExceptionView[]; next_cursor: string | null }> {
    if (query.readable?.length === 0) return { data: [], next_cursor: null };
    const q = this.db.reader.createQueryBuilder(PositivePayExceptionEntity, 'e').where('e.resolved_at IS NULL');
    if (query.accountId) q.andWhere('e.account_id = :account', { account: query.accountId });
    if (query.readable) q.andWhere('e.account_id IN (:...readable)', { readable: query.readable });
    if (query.status) q.andWhere('e.status = :status', { status: query.status });
    const cursor = decodeCursor(query.cursor, ['date', 'uuid']);
    if (cursor) q.andWhere('(e.presented_date < :d OR (e.presented_date = :d AND e.exception_id < :id))', { d: cursor[0], id: cursor[1] });
    const rows = await q
      .orderBy('e.presented_date', 'DESC')
      .addOrderBy('e.exception_id', 'DESC')
      .take(query.limit + 1)
      .getMany();
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      data: page.map(exceptionView),
      next_cursor: rows.length > query.limit && last ? encodeCursor([last.presentedDate, last.exceptionId]) : null,
    };
  }
}
