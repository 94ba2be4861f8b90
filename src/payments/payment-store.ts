import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { DataSource, In, IsNull, type EntityManager, type FindOptionsWhere } from 'typeorm';
import type { Payment, PaymentStatus } from '#qbank/contract';
import { recordEvent } from '../audit/audit-event.factory.js';
import { AuditLedger } from '../audit/audit-ledger.js';
import { placeholders, preparedQuery } from '../database/prepared-statements.js';
import { RowInserter, stageUpdate } from '../database/row-inserter.js';
import { TransactionRunner } from '../database/transaction-runner.js';
import { formatMinor } from '../common/money.js';
import { CONTEXT_KEY, type RequestContext } from '../common/request-context.js';
import { WebhookEventEntity } from '../webhooks/webhook-event.entity.js';
import { PaymentBatch, PaymentEntity, PaymentStatusChange, type StatusSource } from './payment.entity.js';
import { releaseDailyTotal } from './payment-limits.js';
import { isFinal, transition } from './payment-state.js';
import { batchView, paymentView, type BatchView, type PaymentView } from './payment.view.js';

/**
 * The stored payments and their histories. Every status change goes through `applyStatus` or
 * `applyQBank`, which enforce the state machine and write, in the caller's transaction, the history
 * entry and the change's audit event (attributed to the call that caused it: its caller, `qbank` for a
 * webhook, `system` for background work).
 */
@Injectable()
export class PaymentStore {
  private readonly logger = new Logger(PaymentStore.name);
  private readonly paymentRows: RowInserter<PaymentEntity>;
  private readonly historyRows: RowInserter<PaymentStatusChange>;
  private readonly batchRows: RowInserter<PaymentBatch>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly ledger: AuditLedger,
    private readonly cls: ClsService,
    private readonly transactions: TransactionRunner,
  ) {
    this.paymentRows = new RowInserter(dataSource, PaymentEntity, { chunk: 100 });
    this.historyRows = new RowInserter(dataSource, PaymentStatusChange, { chunk: 500 });
    this.batchRows = new RowInserter(dataSource, PaymentBatch, { chunk: 1 });
  }

  private context(): RequestContext | undefined {
    return this.cls.isActive() ? this.cls.get<RequestContext | undefined>(CONTEXT_KEY) : undefined;
  }

  /** The audit events of history entries just written. */
  private async audit(
    manager: EntityManager,
    payments: Map<string, PaymentEntity>,
    changes: PaymentStatusChange[],
    from?: PaymentStatus,
  ): Promise<void> {
    if (changes.length === 0) return;
    const ctx = this.context();
    const previous = new Map<string, string>(from ? changes.map((c) => [c.paymentId, from]) : []);
    await this.ledger.append(
      manager,
      changes.map((change) => {
        const payment = payments.get(change.paymentId)!;
        const created = change.source === 'gateway';
        const from = previous.get(change.paymentId) ?? null;
        previous.set(change.paymentId, change.status);
        return recordEvent({
          kind: 'payment',
          action: created ? 'payment.created' : 'payment.status_changed',
          resourceType: 'payment',
          resourceId: change.paymentId,
          ctx,
          detail: created
            ? {
                type: payment.type,
                status: change.status,
                amount: formatMinor(payment.amountMinor),
                currency: payment.currency,
                batch_id: payment.batchId,
              }
            : { ...(from ? { from } : {}), to: change.status, source: change.source, qbank_payment_id: payment.qbankPaymentId },
        });
      }),
    );
  }

  /**
   * Inserts payments (and their batch), each with its first status, P_PENDING (staged: on PostgreSQL they
   * go out with the transaction's audit events in one statement). `fresh`: the caller knows
   * none of them can exist yet (a new idempotency record), so nothing is looked up first; a retry that
   * took a record over passes `false` and only what is missing is inserted. Returns the history written.
   */
  async createPending(
    manager: EntityManager,
    payments: PaymentEntity[],
    batch: PaymentBatch | undefined,
    fresh: boolean,
  ): Promise<PaymentStatusChange[]> {
    if (batch && (fresh || !(await manager.existsBy(PaymentBatch, { batchId: batch.batchId }))))
      await this.batchRows.stage(manager, [batch]);
    const missing: PaymentEntity[] = [];
    for (const payment of payments)
      if (fresh || !(await manager.existsBy(PaymentEntity, { paymentId: payment.paymentId }))) missing.push(payment);
    const history: PaymentStatusChange[] = [];
    for (let i = 0; i < missing.length; i += 100) {
      const chunk = missing.slice(i, i + 100);
      const entries = chunk.map((p) => ({
        id: randomUUID(),
        paymentId: p.paymentId,
        status: 'P_PENDING' as const,
        source: 'gateway' as const,
        at: p.createdAt,
        detail: null,
      }));
      await this.paymentRows.stage(manager, chunk);
      await this.historyRows.stage(manager, entries);
      history.push(...entries);
    }
    await this.audit(manager, new Map(missing.map((p) => [p.paymentId, p])), history);
    return history;
  }

  /**
   * Moves a payment to `status` if the state machine allows it, with its history entry. Returns the
   * entry written, or undefined when nothing changed.
   */
  async applyStatus(
    manager: EntityManager,
    payment: PaymentEntity,
    status: PaymentStatus,
    source: StatusSource,
    at: Date,
    failureReason: string | null = null,
  ): Promise<PaymentStatusChange | undefined> {
    const verdict = transition(payment.status, status);
    if (verdict === 'illegal') {
      this.logger.warn(
        { payment_id: payment.paymentId, from: payment.status, to: status, source },
        'illegal payment status change refused',
      );
      return undefined;
    }
    if (verdict !== 'apply') return undefined;
    const previousStatus = payment.status;
    payment.status = status;
    payment.updatedAt = new Date();
    if (status === 'P_FAILED' && failureReason) payment.failureReason = failureReason.slice(0, 500);
    await stageUpdate(
      manager,
      PaymentEntity,
      { paymentId: payment.paymentId },
      { status, updatedAt: payment.updatedAt, failureReason: payment.failureReason },
    );
    const change: PaymentStatusChange = { id: randomUUID(), paymentId: payment.paymentId, status, source, at, detail: failureReason };
    await this.historyRows.stage(manager, [change]);
    if (status === 'P_FAILED') await releaseDailyTotal(manager, payment.actor, payment.type, payment.createdAt, payment.amountMinor);
    await this.audit(manager, new Map([[payment.paymentId, payment]]), [change], previousStatus);
    return change;
  }

  /**
   * What QBank says of a payment: its id (first time) and each status of its history that is news —
   * written as one update and one insert — then any webhook that arrived before the gateway knew
   * QBank's id (`early`, or looked up first). A caller that records QBank's id for the first time passes
   * `early` empty and calls `applyLateWebhooks` once its transaction has committed (see there).
   * Returns the history entries written.
   */
  async applyQBank(
    manager: EntityManager,
    payment: PaymentEntity,
    qbank: Omit<Payment, 'timestamp' | 'actor' | 'request_id'>,
    source: StatusSource,
    early?: WebhookEventEntity[],
  ): Promise<PaymentStatusChange[]> {
    early ??= await this.pendingWebhooks(manager, payment.qbankPaymentId ?? qbank.payment_id);
    const previousStatus = payment.status;
    const steps = [...(qbank.status_history ?? [])].sort((a, b) => a.at.localeCompare(b.at));
    if (!steps.some((s) => s.status === qbank.status)) steps.push({ status: qbank.status, at: qbank.updated_at });
    const added: PaymentStatusChange[] = [];
    for (const step of steps) {
      const verdict = transition(payment.status, step.status);
      if (verdict === 'illegal')
        this.logger.warn(
          { payment_id: payment.paymentId, from: payment.status, to: step.status, source },
          'illegal payment status change refused',
        );
      if (verdict !== 'apply') continue;
      const detail = step.status === 'P_FAILED' ? (qbank.failure_reason ?? null) : null;
      payment.status = step.status;
      if (detail) payment.failureReason = detail.slice(0, 500);
      added.push({ id: randomUUID(), paymentId: payment.paymentId, status: step.status, source, at: new Date(step.at), detail });
    }
    const newId = !payment.qbankPaymentId;
    if (newId) payment.qbankPaymentId = qbank.payment_id;
    if (newId || added.length > 0) {
      payment.updatedAt = new Date();
      await stageUpdate(
        manager,
        PaymentEntity,
        { paymentId: payment.paymentId },
        {
          qbankPaymentId: payment.qbankPaymentId,
          status: payment.status,
          failureReason: payment.failureReason,
          updatedAt: payment.updatedAt,
        },
      );
    }
    if (added.length > 0) {
      await this.historyRows.stage(manager, added);
      if (added.some((change) => change.status === 'P_FAILED'))
        await releaseDailyTotal(manager, payment.actor, payment.type, payment.createdAt, payment.amountMinor);
      await this.audit(manager, new Map([[payment.paymentId, payment]]), added, previousStatus);
    }
    return [...added, ...(await this.applyWebhooks(manager, payment, early))];
  }

  /**
   * Applies the webhooks stored for these QBank payment ids before the gateway had recorded which payments
   * they are; returns how many status changes were written. Call it after the transaction that recorded the
   * ids has committed, as the webhook receiver calls it after storing an event it could not place yet.
   * Each of the two then reads what the other committed before it: a webhook that arrives while the answer
   * is being recorded is applied by one of them (and, as `applyWebhooks` claims each event first, by one
   * only). Checking inside the recording transaction would miss it: neither sees the other's uncommitted rows.
   */
  async applyLateWebhooks(qbankPaymentIds: string[]): Promise<number> {
    let applied = 0;
    for (const qbankPaymentId of await this.withPendingWebhooks(qbankPaymentIds)) {
      applied += await this.transactions.transaction(async (manager) => {
        const [payment] = await this.lockedPayments(manager, { qbankPaymentId });
        return payment ? (await this.applyPendingWebhooks(manager, payment)).length : 0;
      });
    }
    return applied;
  }

  /** Of these QBank payment ids, those with stored webhooks not applied yet (almost always none). */
  private async withPendingWebhooks(qbankPaymentIds: string[]): Promise<string[]> {
    if (qbankPaymentIds.length === 1) {
      const [id] = qbankPaymentIds as [string];
      return (await this.pendingWebhookExists(this.dataSource.manager, id)) ? [id] : [];
    }
    const found: string[] = [];
    for (let i = 0; i < qbankPaymentIds.length; i += 500) {
      const rows = await this.dataSource.manager.find(WebhookEventEntity, {
        select: { qbankPaymentId: true },
        where: { qbankPaymentId: In(qbankPaymentIds.slice(i, i + 500)), appliedAt: IsNull() },
      });
      found.push(...new Set(rows.map((row) => row.qbankPaymentId)));
    }
    return found;
  }

  /**
   * Payments read to be changed, locked until the transaction ends on PostgreSQL (SQLite runs one
   * transaction at a time): a webhook and a status poll of one payment take turns, each seeing the other's status.
   */
  async lockedPayments(manager: EntityManager, where: FindOptionsWhere<PaymentEntity>): Promise<PaymentEntity[]> {
    if (manager.connection.options.type !== 'postgres') return manager.find(PaymentEntity, { where, order: { batchIndex: 'ASC' } });
    await TransactionRunner.open(manager);
    return manager.find(PaymentEntity, { where, order: { batchIndex: 'ASC' }, lock: { mode: 'pessimistic_write' } });
  }

  /** Webhooks stored for a QBank payment id before the gateway knew which payment it is. */
  async pendingWebhooks(manager: EntityManager, qbankPaymentId: string | null): Promise<WebhookEventEntity[]> {
    if (!qbankPaymentId || !(await this.pendingWebhookExists(manager, qbankPaymentId))) return [];
    return manager.findBy(WebhookEventEntity, { qbankPaymentId, appliedAt: IsNull() });
  }

  private async pendingWebhookExists(manager: EntityManager, qbankPaymentId: string): Promise<boolean> {
    // Almost always none: a prepared statement answers that; the entities are loaded only when there are some.
    // Inside a unit of work the statement goes through its runner (after its staged writes); outside, prepared.
    const sql = `SELECT 1 FROM webhook_events WHERE qbank_payment_id = ${placeholders(manager.connection)(1)} AND applied_at IS NULL LIMIT 1`;
    const any = manager.queryRunner
      ? await manager.query<unknown[]>(sql, [qbankPaymentId])
      : await preparedQuery<unknown>(manager.connection, sql, [qbankPaymentId]);
    return any.length > 0;
  }

  /** Webhooks received for this payment that are not applied yet; returns the history written. */
  async applyPendingWebhooks(manager: EntityManager, payment: PaymentEntity): Promise<PaymentStatusChange[]> {
    return this.applyWebhooks(manager, payment, await this.pendingWebhooks(manager, payment.qbankPaymentId));
  }

  private async applyWebhooks(
    manager: EntityManager,
    payment: PaymentEntity,
    pending: WebhookEventEntity[],
  ): Promise<PaymentStatusChange[]> {
    const added: PaymentStatusChange[] = [];
    for (const event of pending) {
      // Claimed before it is applied: of two transactions applying one event, the second waits for the
      // first's row lock, then finds it applied and leaves the payment alone.
      const claim = await manager
        .createQueryBuilder()
        .update(WebhookEventEntity)
        .set({ appliedAt: new Date() })
        .where('id = :id AND applied_at IS NULL', { id: event.id })
        .execute();
      if (claim.affected !== 1) continue;
      const body = JSON.parse(event.payload) as { data?: { payment?: { failure_reason?: string | null; updated_at?: string } } };
      const at = body.data?.payment?.updated_at ? new Date(body.data.payment.updated_at) : event.receivedAt;
      const change = await this.applyStatus(
        manager,
        payment,
        event.status as PaymentStatus,
        'webhook',
        at,
        body.data?.payment?.failure_reason ?? null,
      );
      if (change) added.push(change);
    }
    return added;
  }

  async view(paymentId: string, manager: EntityManager = this.dataSource.manager): Promise<PaymentView | undefined> {
    const payment = await manager.findOneBy(PaymentEntity, { paymentId });
    if (!payment) return undefined;
    const history = await manager.find(PaymentStatusChange, { where: { paymentId }, order: { at: 'ASC' } });
    return paymentView(payment, history);
  }

  async batchView(batchId: string, manager: EntityManager = this.dataSource.manager): Promise<BatchView | undefined> {
    const batch = await manager.findOneBy(PaymentBatch, { batchId });
    if (!batch) return undefined;
    const payments = await manager.find(PaymentEntity, { where: { batchId }, order: { batchIndex: 'ASC' } });
    const history = await manager
      .createQueryBuilder(PaymentStatusChange, 'h')
      .innerJoin(PaymentEntity, 'p', 'p.payment_id = h.payment_id')
      .where('p.batch_id = :batchId', { batchId })
      .orderBy('h.at', 'ASC')
      .getMany();
    const byPayment = new Map<string, PaymentStatusChange[]>();
    for (const h of history) byPayment.set(h.paymentId, [...(byPayment.get(h.paymentId) ?? []), h]);
    return batchView(
      batch,
      payments.map((p) => paymentView(p, byPayment.get(p.paymentId) ?? [])),
    );
  }

  unresolved(payment: PaymentEntity): boolean {
    return !isFinal(payment.status);
  }
}
