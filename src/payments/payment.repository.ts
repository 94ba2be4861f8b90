import { Injectable } from '@nestjs/common';
import { In, LessThanOrEqual, type EntityManager, type FindOptionsWhere } from 'typeorm';
import { dateRange } from '../common/date-range.js';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import { ValidationFailedError } from '../common/errors/gateway-errors.js';
import { Database } from '../database/database.js';
import { PaymentBatch, PaymentEntity, PaymentStatusChange } from './payment.entity.js';
import type { ListPaymentsQuery } from './list-payments.dto.js';
import { batchView, paymentView, type BatchView, type PaymentView } from './payment.view.js';

/** Rows per INSERT: an ACH batch holds up to 1,000 payments (25 columns each). */
const INSERT_CHUNK = 200;

/** The payments a request recorded (one, or an ACH batch's entries in order), with their history and batch. */
export interface RecordedPayments {
  payments: PaymentEntity[];
  history: PaymentStatusChange[];
  batch: PaymentBatch | null;
}

/** What changes on a payment row when its status moves or QBank names it. */
export type PaymentUpdate =
  | Pick<PaymentEntity, 'status' | 'failureReason' | 'qbankPaymentId' | 'updatedAt'>
  | Pick<PaymentEntity, 'executionDate' | 'expectedSettlementDate'>;

/**
 * Payments, their status history and their ACH batches (tables `payments`, `payment_status_history`,
 * `payment_batches`). Writes take the caller's transaction; reads outside one use committed data.
 */
@Injectable()
export class PaymentRepository {
  constructor(private readonly db: Database) {}

  async insert(manager: EntityManager, payments: PaymentEntity[], history: PaymentStatusChange[], batch?: PaymentBatch): Promise<void> {
    if (batch) await manager.insert(PaymentBatch, batch);
    for (let i = 0; i < payments.length; i += INSERT_CHUNK)
      await manager
        .createQueryBuilder()
        .insert()
        .into(PaymentEntity)
        .values(payments.slice(i, i + INSERT_CHUNK))
        .updateEntity(false)
        .execute();
    await this.insertHistory(manager, history);
  }

  async insertHistory(manager: EntityManager, history: PaymentStatusChange[]): Promise<void> {
    for (let i = 0; i < history.length; i += INSERT_CHUNK * 2)
      await manager
        .createQueryBuilder()
        .insert()
        .into(PaymentStatusChange)
        .values(history.slice(i, i + INSERT_CHUNK * 2))
        .updateEntity(false)
        .execute();
  }

  /** Payments or ACH batches (their ids) scheduled for `today` or earlier, oldest execution date first. */
  async scheduledDue(today: string, limit: number): Promise<string[]> {
    const rows = await this.db.reader.find(PaymentEntity, {
      select: { paymentId: true, batchId: true },
      where: { status: 'P_SCHEDULED', executionDate: LessThanOrEqual(today) },
      order: { executionDate: 'ASC', createdAt: 'ASC' },
      take: limit,
    });
    return [...new Set(rows.map((p) => p.batchId ?? p.paymentId))];
  }

  /**
   * Completed payments expected to settle on or before `settledBy` that no synced transaction posts (on
   * accounts in `readable`; undefined: all), oldest settlement first.
   */
  unposted(settledBy: string, readable: string[] | undefined, limit: number): Promise<PaymentEntity[]> {
    if (readable?.length === 0) return Promise.resolve([]);
    const q = this.db.reader
      .createQueryBuilder(PaymentEntity, 'p')
      .where('p.status = :completed AND p.expected_settlement_date <= :settledBy', { completed: 'P_COMPLETED', settledBy })
      .andWhere('NOT EXISTS (SELECT 1 FROM transactions t WHERE t.payment_id = p.payment_id)');
    if (readable) q.andWhere('p.debtor_account_id IN (:...readable)', { readable });
    return q.orderBy('p.expected_settlement_date', 'ASC').addOrderBy('p.payment_id', 'ASC').take(limit).getMany();
  }

  /** One request's payments (a payment, or an ACH batch's entries in batch order), locked. */
  async ofResource(manager: EntityManager, resourceId: string): Promise<PaymentEntity[]> {
    const batch = await this.forUpdate(manager, { batchId: resourceId });
    return batch.length ? batch : this.forUpdate(manager, { paymentId: resourceId });
  }

  async update(manager: EntityManager, paymentId: string, update: PaymentUpdate): Promise<void> {
    await manager.update(PaymentEntity, { paymentId }, update);
  }

  async setQBankBatchId(manager: EntityManager, batchId: string, qbankBatchId: string): Promise<void> {
    await manager.update(PaymentBatch, { batchId }, { qbankBatchId });
  }

  /** What a request recorded under this id (a payment id, or an ACH batch id), if anything. */
  async recorded(manager: EntityManager, id: string): Promise<RecordedPayments | undefined> {
    const batch = await manager.findOneBy(PaymentBatch, { batchId: id });
    const payments = batch ? await this.batchMembers(id, manager) : await manager.findBy(PaymentEntity, { paymentId: id });
    if (payments.length === 0) return undefined;
    const history = await manager.find(PaymentStatusChange, {
      where: { paymentId: In(payments.map((p) => p.paymentId)) },
      order: { at: 'ASC' },
    });
    return { payments, history, batch };
  }

  /**
   * Payments read to be changed (in batch order), locked until the transaction ends on PostgreSQL (SQLite
   * runs one transaction at a time): a webhook and a status poll of one payment take turns, each seeing the
   * other's status.
   */
  forUpdate(manager: EntityManager, where: FindOptionsWhere<PaymentEntity> | FindOptionsWhere<PaymentEntity>[]): Promise<PaymentEntity[]> {
    return manager.find(PaymentEntity, {
      where,
      order: { batchIndex: 'ASC' },
      ...(this.db.postgres ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
  }

  /** The gateway's ids of the payments QBank knows by these ids (for linking postings to payments). */
  async idsByQBankId(manager: EntityManager, qbankPaymentIds: string[]): Promise<Map<string, string>> {
    if (qbankPaymentIds.length === 0) return new Map();
    const rows = await manager.find(PaymentEntity, {
      select: { paymentId: true, qbankPaymentId: true },
      where: { qbankPaymentId: In(qbankPaymentIds) },
    });
    return new Map(rows.map((p) => [p.qbankPaymentId!, p.paymentId]));
  }

  findPayment(paymentId: string): Promise<PaymentEntity | null> {
    return this.db.reader.findOneBy(PaymentEntity, { paymentId });
  }

  findBatch(batchId: string): Promise<PaymentBatch | null> {
    return this.db.reader.findOneBy(PaymentBatch, { batchId });
  }

  batchMembers(batchId: string, manager: EntityManager = this.db.reader): Promise<PaymentEntity[]> {
    return manager.find(PaymentEntity, { where: { batchId }, order: { batchIndex: 'ASC' } });
  }

  /** A payment's status history, oldest first. */
  history(manager: EntityManager, paymentId: string): Promise<PaymentStatusChange[]> {
    return manager.find(PaymentStatusChange, { where: { paymentId }, order: { at: 'ASC' } });
  }

  async view(paymentId: string, manager: EntityManager = this.db.reader): Promise<PaymentView | undefined> {
    const payment = await manager.findOneBy(PaymentEntity, { paymentId });
    if (!payment) return undefined;
    return paymentView(payment, await manager.find(PaymentStatusChange, { where: { paymentId }, order: { at: 'ASC' } }));
  }

  async batchView(batchId: string, manager: EntityManager = this.db.reader): Promise<BatchView | undefined> {
    const batch = await manager.findOneBy(PaymentBatch, { batchId });
    if (!batch) return undefined;
    const payments = await this.batchMembers(batchId, manager);
    const history = await manager
      .createQueryBuilder(PaymentStatusChange, 'h')
      .innerJoin(PaymentEntity, 'p', 'p.payment_id = h.payment_id')
      .where('p.batch_id = :batchId', { batchId })
      .orderBy('h.at', 'ASC')
      .getMany();
    return batchView(batch, withHistories(payments, history));
  }

  /**
   * Stored payments (`readable`: on these accounts only; undefined: all), keyset-paginated: newest first; or, with `updated_since`, the polling feed of changes,
   * oldest first (approximate: it follows the gateway's clock, not commit order).
   */
  async list(query: ListPaymentsQuery, readable?: string[]): Promise<{ data: PaymentView[]; next_cursor: string | null }> {
    if (readable?.length === 0) return { data: [], next_cursor: null };
    const limit = query.limit ?? 100;
    const { from, toExclusive } = dateRange(query.from, query.to);
    const feed = query.updated_since !== undefined;
    const column = feed ? 'p.updated_at' : 'p.created_at';
    const q = this.db.reader.createQueryBuilder(PaymentEntity, 'p');
    if (readable) q.andWhere('p.debtor_account_id IN (:...readable)', { readable });
    if (query.status) q.andWhere('p.status = :status', { status: query.status });
    if (query.type) q.andWhere('p.type = :type', { type: query.type });
    if (from) q.andWhere('p.created_at >= :from', { from });
    if (toExclusive) q.andWhere('p.created_at < :to', { to: toExclusive });
    if (feed) {
      const since = new Date(query.updated_since!);
      if (Number.isNaN(since.getTime())) throw new ValidationFailedError('updated_since: must be an ISO-8601 date-time');
      q.andWhere('p.updated_at > :since', { since });
    }
    const cursor = decodeCursor(query.cursor, ['instant', 'uuid']);
    if (cursor)
      q.andWhere(`(${column} ${feed ? '>' : '<'} :at OR (${column} = :at AND p.payment_id ${feed ? '>' : '<'} :id))`, {
        at: new Date(cursor[0]),
        id: cursor[1],
      });
    const rows = await q
      .orderBy(column, feed ? 'ASC' : 'DESC')
      .addOrderBy('p.payment_id', feed ? 'ASC' : 'DESC')
      .take(limit + 1)
      .getMany();
    const page = rows.slice(0, limit);
    const history = page.length
      ? await this.db.reader.find(PaymentStatusChange, { where: { paymentId: In(page.map((p) => p.paymentId)) }, order: { at: 'ASC' } })
      : [];
    const last = page.at(-1);
    return {
      data: withHistories(page, history),
      next_cursor:
        rows.length > limit && last ? encodeCursor([(feed ? last.updatedAt : last.createdAt).toISOString(), last.paymentId]) : null,
    };
  }
}

/** Each payment's view with its own history entries (in the order given). */
export function withHistories(payments: PaymentEntity[], history: PaymentStatusChange[]): PaymentView[] {
  const byPayment = new Map<string, PaymentStatusChange[]>();
  for (const change of history) byPayment.set(change.paymentId, [...(byPayment.get(change.paymentId) ?? []), change]);
  return payments.map((p) => paymentView(p, byPayment.get(p.paymentId) ?? []));
}
