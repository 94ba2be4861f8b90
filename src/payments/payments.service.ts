import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { QBankClient, type CallContext, type QBankResult } from '#qbank/client';
import type { AchBatch, AchBatchRequest, Payment, TransferRequest, Unstamped, WireRequest } from '#qbank/contract';
import { QBANK, type AuditActor } from '../audit/audit-event.factory.js';
import { Clock } from '../common/clock.js';
import { NotFoundError } from '../common/errors/gateway-errors.js';
import { stampAuditFields } from '../common/interceptors/audit-fields.interceptor.js';
import { UpstreamCall } from '../common/upstream-call.js';
import { Database } from '../database/database.js';
import type { IdempotencyRecord } from '../idempotency/idempotency-record.entity.js';
import { IdempotencyService, type Claim } from '../idempotency/idempotency.service.js';
import type { IdempotentAnswer, IdempotentCall } from '../idempotency/idempotent-call.js';
import { TransactionRepository } from '../transactions/transaction.repository.js';
import { achRequest, pendingAch, pendingTransfer, pendingWire, transferRequest, wireRequest } from './new-payments.js';
import type { PaymentEntity, StatusSource } from './payment.entity.js';
import { PaymentLimits, utcDay } from './payment-limits.js';
import { PaymentRecorder } from './payment-recorder.js';
import { PaymentRepository } from './payment.repository.js';
import type { CreateAchDto, CreateTransferDto, CreateWireDto } from './payment-requests.dto.js';
import { isFinal } from './payment-state.js';
import type { BatchView, PaymentView } from './payment.view.js';

type PaymentOperation = 'wire' | 'transfer' | 'ach';
type PaymentRequest = WireRequest | TransferRequest | AchBatchRequest;

/** The status of each operation's first answer. */
const ANSWER_STATUS: Record<PaymentOperation, 201 | 202> = { wire: 201, transfer: 201, ach: 202 };

/**
 * Money movement, each payment in the atomic phases of an idempotent request (contract §7):
 * 1. claim the caller's key and record the pending payment, reserving the caller's limits — one transaction,
 *    committed before QBank is called (a replay, a 409 or a 422 ends here);
 * 2. send QBank the request with the record's upstream key (the same on every retry of the record);
 * 3. record QBank's answer, the history, the stored answer and the audit events — one transaction.
 * Phases 2 and 3 (`send`) can be re-driven from the record alone: by a retry that takes the record over,
 * and by the recovery job for an answer that was lost.
 */
@Injectable()
export class PaymentsService {
  private readonly logger = new Logger(PaymentsService.name);

  constructor(
    private readonly qbank: QBankClient,
    private readonly upstream: UpstreamCall,
    private readonly db: Database,
    private readonly idempotency: IdempotencyService,
    private readonly payments: PaymentRepository,
    private readonly recorder: PaymentRecorder,
    private readonly limits: PaymentLimits,
    private readonly transactions: TransactionRepository,
    private readonly clock: Clock,
  ) {}

  async wire(dto: CreateWireDto, call: IdempotentCall): Promise<IdempotentAnswer> {
    const claim = await this.db.transaction(async (manager) => {
      const claim = await this.idempotency.claim(manager, call, dto, wireRequest(dto));
      const record = await this.unrecorded(manager, claim);
      if (record) await this.recordPending(manager, call, [pendingWire(dto, call, record.resourceId, this.clock.now())]);
      return claim;
    });
    if (claim.kind !== 'new' && claim.kind !== 'takeover') return this.idempotency.answerWithoutSending(claim);
    return this.send(claim.record, callerOf(call));
  }

  async transfer(dto: CreateTransferDto, call: IdempotentCall): Promise<IdempotentAnswer> {
    const claim = await this.db.transaction(async (manager) => {
      const claim = await this.idempotency.claim(manager, call, dto, transferRequest(dto));
      const record = await this.unrecorded(manager, claim);
      if (record) await this.recordPending(manager, call, [pendingTransfer(dto, call, record.resourceId, this.clock.now())]);
      return claim;
    });
    if (claim.kind !== 'new' && claim.kind !== 'takeover') return this.idempotency.answerWithoutSending(claim);
    return this.send(claim.record, callerOf(call));
  }

  async ach(dto: CreateAchDto, call: IdempotentCall): Promise<IdempotentAnswer> {
    const claim = await this.db.transaction(async (manager) => {
      const claim = await this.idempotency.claim(manager, call, dto, achRequest(dto));
      const record = await this.unrecorded(manager, claim);
      if (record) {
        const { batch, entries } = pendingAch(dto, call, record.resourceId, this.clock.now());
        await this.recordPending(manager, call, entries, batch);
      }
      return claim;
    });
    if (claim.kind !== 'new' && claim.kind !== 'takeover') return this.idempotency.answerWithoutSending(claim);
    return this.send(claim.record, callerOf(call));
  }

  /**
   * The claimed record when its payments are still to be recorded: a new one, or — on a retry that took
   * over a record — one whose payments never were (every check of a fresh request then applies).
   */
  private async unrecorded(manager: EntityManager, claim: Claim): Promise<IdempotencyRecord | undefined> {
    if (claim.kind === 'new') return claim.record;
    if (claim.kind === 'takeover' && !(await this.payments.recorded(manager, claim.record.resourceId))) return claim.record;
    return undefined;
  }

  /** Phase 1's record: the pending payments (and their batch), the caller's limits reserved for them. */
  private async recordPending(
    manager: EntityManager,
    call: IdempotentCall,
    payments: PaymentEntity[],
    batch?: Parameters<PaymentRecorder['created']>[3],
  ): Promise<void> {
    const [first] = payments;
    await this.recorder.created(manager, payments, callerOf(call), batch);
    // A refusal rolls back the payments, the reservation and the key's record together: nothing was sent.
    await this.limits.reserve(
      manager,
      call.caller,
      first!.type,
      payments.map((p) => p.amountMinor),
      utcDay(first!.createdAt),
    );
  }

  /**
   * Phases 2 and 3 for a claimed record: QBank is sent the request sealed in the record, with the record's
   * upstream key; its answer is recorded with the stored answer in one transaction. A definitive refusal
   * fails the payments and is stored too; any other failure leaves the record for a retry or the recovery
   * job, and the caller is told to retry later.
   */
  async send(record: IdempotencyRecord, by: AuditActor, source: StatusSource = 'api'): Promise<IdempotentAnswer> {
    const operation = record.operation as PaymentOperation;
    const request = this.idempotency.upstreamRequest<PaymentRequest>(record);
    let result: QBankResult<Unstamped<Payment> | Unstamped<AchBatch>>;
    try {
      result = await this.upstream.run((context) => this.post(operation, request, record.upstreamKey, context));
    } catch (error) {
      return this.idempotency.failed(record, error, by.requestId ?? randomUUID(), (manager) => this.refused(manager, record, error, by));
    }
    const recordedBy = { ...by, upstreamRequestId: result.requestId };
    const { answer, qbankPaymentIds } = await this.db.transaction(async (manager) => {
      const recorded =
        operation === 'ach'
          ? await this.applyBatchAnswer(manager, record.resourceId, result.data as Unstamped<AchBatch>, source, recordedBy)
          : await this.applyPaymentAnswer(manager, record.resourceId, result.data as Unstamped<Payment>, source, recordedBy);
      // The answer carries the audit fields of the request that initiated the payment.
      const stamped = stampAuditFields(recorded.view, {
        timestamp: this.clock.now().toISOString(),
        actor: recorded.initiator.actor,
        request_id: recorded.initiator.requestId,
      });
      return {
        answer: await this.idempotency.complete(manager, record, ANSWER_STATUS[operation], stamped),
        qbankPaymentIds: recorded.qbankPaymentIds,
      };
    });
    // Webhooks that overtook QBank's answer waited for it to commit. The answer is stored already: should
    // this fail, the webhooks stay stored for the next status read or QBank's next delivery to apply.
    await this.recorder
      .applyEarlyWebhooks(qbankPaymentIds)
      .catch((err: unknown) =>
        this.logger.error({ err, qbank_payment_ids: qbankPaymentIds.length }, 'webhooks that came before the answer not applied yet'),
      );
    return answer;
  }

  private post(
    operation: PaymentOperation,
    request: PaymentRequest,
    key: string,
    context: CallContext,
  ): Promise<QBankResult<Unstamped<Payment> | Unstamped<AchBatch>>> {
    switch (operation) {
      case 'wire':
        return this.qbank.createWire(request as WireRequest, key, context);
      case 'transfer':
        return this.qbank.createTransfer(request as TransferRequest, key, context);
      case 'ach':
        return this.qbank.createAchBatch(request as AchBatchRequest, key, context);
    }
  }

  private async applyPaymentAnswer(
    manager: EntityManager,
    paymentId: string,
    qbank: Unstamped<Payment>,
    source: StatusSource,
    by: AuditActor,
  ) {
    const [payment] = await this.payments.forUpdate(manager, { paymentId });
    await this.recorder.applyQBank(manager, payment!, qbank, source, by);
    return { view: (await this.payments.view(paymentId, manager))!, initiator: payment!, qbankPaymentIds: [qbank.payment_id] };
  }

  private async applyBatchAnswer(
    manager: EntityManager,
    batchId: string,
    qbank: Unstamped<AchBatch>,
    source: StatusSource,
    by: AuditActor,
  ) {
    await this.payments.setQBankBatchId(manager, batchId, qbank.batch_id);
    const entries = await this.payments.forUpdate(manager, { batchId });
    for (const [index, entry] of entries.entries()) {
      const answer = qbank.payments[index];
      if (answer) await this.recorder.applyQBank(manager, entry, answer, source, by);
    }
    return {
      view: (await this.payments.batchView(batchId, manager))!,
      initiator: entries[0]!,
      qbankPaymentIds: qbank.payments.map((p) => p.payment_id),
    };
  }

  /** QBank refused the request itself: its payments fail (giving their limits back). */
  private async refused(manager: EntityManager, record: IdempotencyRecord, error: unknown, by: AuditActor): Promise<void> {
    const reason = `QBank refused the request: ${(error as { errorCode?: string }).errorCode ?? ''}: ${(error as Error).message}`;
    const where = record.operation === 'ach' ? { batchId: record.resourceId } : { paymentId: record.resourceId };
    for (const payment of await this.payments.forUpdate(manager, where))
      await this.recorder.advance(manager, payment, [{ status: 'P_FAILED', at: this.clock.now(), detail: reason }], 'api', by);
  }

  /** A payment or an ACH batch, refreshed from QBank when it is not final yet. */
  async status(id: string, by: AuditActor): Promise<PaymentView | BatchView> {
    const payment = await this.payments.findPayment(id);
    if (payment) {
      if (payment.qbankPaymentId && !isFinal(payment.status)) {
        const { data } = await this.upstream.run((context) => this.qbank.getPayment(payment.qbankPaymentId!, context));
        await this.db.transaction(async (manager) => {
          // As it is now: a webhook may have moved it while QBank was asked.
          const [current] = await this.payments.forUpdate(manager, { paymentId: id });
          await this.recorder.applyQBank(manager, current!, data as Unstamped<Payment>, 'poll', by);
          await this.recorder.applyWaitingWebhooks(manager, current!, QBANK);
        });
      }
      return { ...(await this.payments.view(id))!, postings: await this.transactions.postingsOf(id) };
    }
    const batch = await this.payments.findBatch(id);
    if (!batch) throw new NotFoundError(`No payment or ACH batch ${id}`);
    const members = await this.payments.batchMembers(id);
    if (batch.qbankBatchId && members.some((p) => !isFinal(p.status))) {
      const { data } = await this.upstream.run((context) => this.qbank.getPayment(batch.qbankBatchId!, context));
      await this.db.transaction(async (manager) => {
        for (const [index, member] of (await this.payments.forUpdate(manager, { batchId: id })).entries()) {
          const answer = (data as Unstamped<AchBatch>).payments?.[index];
          if (answer) await this.recorder.applyQBank(manager, member, answer, 'poll', by);
          await this.recorder.applyWaitingWebhooks(manager, member, QBANK);
        }
      });
    }
    return (await this.payments.batchView(id))!;
  }
}

const callerOf = (call: IdempotentCall): AuditActor => ({ sub: call.caller.sub, roles: call.caller.roles, requestId: call.requestId });
