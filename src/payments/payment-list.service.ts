import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { dateRange, decodeCursor, encodeCursor } from '../common/date-range.js';
import { ValidationFailedError } from '../common/errors/gateway-errors.js';
import { PaymentEntity, PaymentStatusChange } from './payment.entity.js';
import type { ListPaymentsQuery } from './list-payments.dto.js';
import { paymentView, type PaymentView } from './payment.view.js';

/**
 * Stored payments, keyset-paginated: newest first; or, with `updated_since`, the polling feed of changes,
 * oldest first, for internal services that follow final statuses.
 */
@Injectable()
export class PaymentListService {
  constructor(
    @InjectRepository(PaymentEntity) private readonly payments: Repository<PaymentEntity>,
    @InjectRepository(PaymentStatusChange) private readonly history: Repository<PaymentStatusChange>,
  ) {}

  async list(query: ListPaymentsQuery): Promise<{ data: PaymentView[]; next_cursor: string | null }> {
    const limit = query.limit ?? 100;
    const { from, toExclusive } = dateRange(query.from, query.to);
    const feed = query.updated_since !== undefined;
    const column = feed ? 'p.updated_at' : 'p.created_at';
    const q = this.payments.createQueryBuilder('p');
    if (query.status) q.andWhere('p.status = :status', { status: query.status });
    if (query.type) q.andWhere('p.type = :type', { type: query.type });
    if (from) q.andWhere('p.created_at >= :from', { from });
    if (toExclusive) q.andWhere('p.created_at < :to', { to: toExclusive });
    if (feed) {
      const since = new Date(query.updated_since!);
      if (Number.isNaN(since.getTime())) throw new ValidationFailedError('updated_since: must be an ISO-8601 date-time');
      q.andWhere('p.updated_at > :since', { since });
    }
    const cursor = decodeCursor(query.cursor, 2);
    if (cursor) {
      const [at, id] = cursor as [string, string];
      q.andWhere(`(${column} ${feed ? '>' : '<'} :at OR (${column} = :at AND p.payment_id ${feed ? '>' : '<'} :id))`, {
        at: new Date(at),
        id,
      });
    }
    q.orderBy(column, feed ? 'ASC' : 'DESC')
      .addOrderBy('p.payment_id', feed ? 'ASC' : 'DESC')
      .take(limit + 1);
    const rows = await q.getMany();
    const page = rows.slice(0, limit);
    const histories = page.length
      ? await this.history.find({ where: { paymentId: In(page.map((p) => p.paymentId)) }, order: { at: 'ASC' } })
      : [];
    const last = page.at(-1);
    return {
      data: page.map((p) =>
        paymentView(
          p,
          histories.filter((h) => h.paymentId === p.paymentId),
        ),
      ),
      next_cursor:
        rows.length > limit && last ? encodeCursor([(feed ? last.updatedAt : last.createdAt).toISOString(), last.paymentId]) : null,
    };
  }
}
