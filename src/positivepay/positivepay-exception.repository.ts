import { Injectable } from '@nestjs/common';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import { formatMinor } from '../common/money.js';
import { Database } from '../database/database.js';
import { PositivePayExceptionEntity } from './positivepay-exception.entity.js';

export interface ExceptionView {
  exception_id: string;
  account_id: string;
  check_number: string;
  presented_amount: string;
  issued_amount: string | null;
  payee_name: string | null;
  presented_date: string;
  reason: string;
  status: string;
  decision_deadline: string;
}

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
      data: page.map((e) => ({
        exception_id: e.exceptionId,
        account_id: e.accountId,
        check_number: e.checkNumber,
        presented_amount: formatMinor(e.presentedAmountMinor),
        issued_amount: e.issuedAmountMinor === null ? null : formatMinor(e.issuedAmountMinor),
        payee_name: e.payeeName,
        presented_date: e.presentedDate,
        reason: e.reason,
        status: e.status,
        decision_deadline: e.decisionDeadline.toISOString(),
      })),
      next_cursor: rows.length > query.limit && last ? encodeCursor([last.presentedDate, last.exceptionId]) : null,
    };
  }
}
