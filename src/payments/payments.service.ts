import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { QBankClient, type CallContext, type QBankResult } from '#qbank/client';
import type { AchBatch, AchBatchRequest, Payment, TransferRequest, Unstamped, WireRequest } from '#qbank/contract';
import type { ApprovalRequest } from '../approvals/approval.entity.js';
import { ApprovalPolicies, type ApprovalNeed } from '../approvals/approval-policies.js';
import { ApprovalRepository } from '../approvals/approval.repository.js';
import { approvalFields } from '../approvals/approval.view.js';
import { BeneficiaryFingerprints } from '../approvals/beneficiary-fingerprints.js';
import { QBANK, recordEvent, type AuditActor } from '../audit/audit-event.factory.js';
import { AuditLedger } from '../audit/audit-ledger.js';
import { AccountGrants } from '../auth/account-grants.js';
import { Clock } from '../common/clock.js';
import { NotFoundError } from '../common/errors/gateway-errors.js';
import { parseMinor } from '../common/money.js';
import { stampAuditFields } from '../common/interceptors/audit-fields.interceptor.js';
import { UpstreamCall } from '../common/upstream-call.js';
import { Database } from '../database/database.js';
import { Outbox } from '../events/outbox.js';
import type { IdempotencyRecord } from '../idempotency/idempotency-record.entity.js';
import { IdempotencyService, type Claim } from '../idempotency/idempotency.service.js';
import type { IdempotentAnswer, IdempotentCall } from '../idempotency/idempotent-call.js';
import { TransactionRepository } from '../transactions/transaction.repository.js';
import { achRequest, pendingAch, pendingTransfer, pendingWire, transferRequest, wireRequest, type Fingerprint } from './new-payments.js';
import type { ListPaymentsQuery } from './list-payments.dto.js';
import type { PaymentBatch, PaymentEntity, StatusSource } from './payment.entity.js';
import { paymentEvent } from './payment-events.js';
import { PaymentLimits, utcDay } from './payment-limits.js';
import { PaymentRecorder } from './payment-recorder.js';
import { PaymentTiming, type RequestedTiming } from './payment-timing.js';
import { PaymentRepository, withHistories, type RecordedPayments } from './payment.repository.js';
import { ScheduledPayments } from './scheduled-payments.js';
import type { CreateAchDto, CreateTransferDto, CreateWireDto } from './payment-requests.dto.js';
import { isFinal } from './payment-state.js';
import { batchView, type BatchView, type PaymentView } from './payment.view.js';

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
    private readonly grants: AccountGrants,
    private readonly policies: ApprovalPolicies,
    private readonly approvals: ApprovalRepository,
    private readonly fingerprints: BeneficiaryFingerprints,
    private readonly ledger: AuditLedger,
    private readonly outbox: Outbox,
    private readonly timing: PaymentTiming,
    private readonly scheduled: ScheduledPayments,
  ) {}

  private readonly fingerprint: Fingerprint = (routing, account) => this.fingerprints.of(routing, account);

  // The caller's grants and the request's dates are checked before its key is claimed: a refused call leaves the key free.

  wire(dto: CreateWireDto, call: IdempotentCall): Promise<IdempotentAnswer> {
    this.grants.assertDebit(call.caller, dto.debtor_account_id);
    const timing: RequestedTiming = { rail: 'WIRE', requested: dto.requested_execution_date, sameDay: null, onCutoff: dto.on_cutoff };
    this.timing.check(timing, [], this.clock.now());
    const creditors: [string, string][] = [[dto.creditor.routing_number, dto.creditor.account_number]];
    return this.initiate(call, dto, wireRequest(dto), creditors, timing, (id, now) => ({
      payments: [pendingWire(dto, call, id, now, this.fingerprint)],
    }));
  }

  transfer(dto: CreateTransferDto, call: IdempotentCall): Promise<IdempotentAnswer> {
    this.grants.assertDebit(call.caller, dto.from_account_id);
    this.grants.assertRead(call.caller, dto.to_account_id);
    const timing: RequestedTiming = { rail: 'TRANSFER', requested: dto.requested_execution_date, sameDay: null, onCutoff: dto.on_cutoff };
    this.timing.check(timing, [], this.clock.now());
    return this.initiate(call, dto, transferRequest(dto), [], timing, (id, now) => ({ payments: [pendingTransfer(dto, call, id, now)] }));
  }

  ach(dto: CreateAchDto, call: IdempotentCall): Promise<IdempotentAnswer> {
    this.grants.assertDebit(call.caller, dto.debtor_account_id);
    const timing: RequestedTiming = {
      rail: 'ACH',
      requested: dto.requested_execution_date,
      sameDay: dto.same_day ?? false,
      onCutoff: dto.on_cutoff,
    };
    this.timing.check(
      timing,
      dto.payments.map((p) => parseMinor(p.amount)),
      this.clock.now(),
    );
    const creditors = dto.payments.map((p): [string, string] => [p.creditor.routing_number, p.creditor.account_number]);
    return this.initiate(call, dto, achRequest(dto), creditors, timing, (id, now) => {
      const { batch, entries } = pendingAch(dto, call, id, now, this.fingerprint);
      return { payments: entries, batch };
    });
  }

  /** Phase 1, then — unless the payment waits (for approval, or for its window), or the key was answered already — phases 2 and 3. */
  private async initiate(
    call: IdempotentCall,
    dto: object,
    upstream: PaymentRequest,
    creditors: [routing: string, account: string][],
    timing: RequestedTiming,
    pending: (resourceId: string, now: Date) => { payments: PaymentEntity[]; batch?: PaymentBatch },
  ): Promise<IdempotentAnswer> {
    const started = await this.claimAndRecord(call, dto, upstream, creditors, timing, pending);
    if (started.held) return started.held;
    if (started.claim.kind !== 'new' && started.claim.kind !== 'takeover') return this.idempotency.answerWithoutSending(started.claim);
    return this.send(started.claim.record, callerOf(call), 'api', started.recorded);
  }

  /**
   * Phase 1, in one transaction: claims the caller's key and, for a record to send, records its pending
   * payments (`pending` builds them with the record's id) with their history and audit events, and
   * reserves the caller's limits — a refusal rolls all of it back. A payment that matches approval policies
   * is recorded awaiting approval instead, and its answer stored (`held`): it is sent by its last approval. One
   * that cannot go out today (after its rail's cutoff, or dated in the future) is recorded P_SCHEDULED and
   * held the same way: the scheduler sends it when its window opens.
   * A retry that took a record over finds its payments recorded already (a record written by an earlier
   * version of the gateway, which committed the claim on its own, may lack them: they are recorded then,
   * every check of a fresh request with them).
   */
  private async claimAndRecord(
    call: IdempotentCall,
    dto: object,
    upstream: PaymentRequest,
    creditors: [routing: string, account: string][],
    timing: RequestedTiming,
    pending: (resourceId: string, now: Date) => { payments: PaymentEntity[]; batch?: PaymentBatch },
  ): Promise<{ claim: Claim; recorded?: RecordedPayments; held?: IdempotentAnswer }> {
    return this.db.transaction(async (manager) => {
      const claim = await this.idempotency.claim(manager, call, dto, upstream);
      if (claim.kind !== 'new' && claim.kind !== 'takeover') return { claim };
      const recorded = claim.kind === 'takeover' ? await this.payments.recorded(manager, claim.record.resourceId) : undefined;
      if (recorded) return { claim, recorded };
      const now = this.clock.now();
      const { payments, batch } = pending(claim.record.resourceId, now);
      this.timing.date(payments, timing, now);
      const type = payments[0]!.type;
      const execution = payments[0]!.executionDate!;
      const amounts = payments.map((p) => p.amountMinor);
      const need = await this.policies.need(
        manager,
        call.caller,
        {
          type,
          amountMinor: amounts.reduce((sum, a) => sum + a, 0n),
          creditors: () => creditors.map(([routing, account]) => this.fingerprints.all(routing, account)),
        },
        now,
        this.timing.cutoffAt(type, execution),
      );
      // Approval comes first: its last decision schedules the payment if its window is still ahead (contract §15).
      const waits = !need && this.timing.waits(execution, now);
      if (need || waits) for (const payment of payments) payment.status = need ? 'P_AWAITING_APPROVAL' : 'P_SCHEDULED';
      const history = await this.recorder.created(manager, payments, callerOf(call), batch);
      await this.limits.reserve(manager, call.caller, type, amounts, utcDay(payments[0]!.createdAt));
      const made = { payments, history, batch: batch ?? null };
      if (need) return { claim, held: await this.hold(manager, claim.record, call, need, made) };
      if (waits) {
        await this.scheduled.announce(manager, claim.record.resourceId, payments, callerOf(call));
        return { claim, held: await this.heldAnswer(manager, claim.record, call, made) };
      }
      return { claim, recorded: made };
    });
  }

  /** Records what the payment needs (`need`) and answers it awaiting approval, keeping the request to send later. */
  private async hold(
    manager: EntityManager,
    record: IdempotencyRecord,
    call: IdempotentCall,
    need: ApprovalNeed,
    { payments, history, batch }: RecordedPayments,
  ): Promise<IdempotentAnswer> {
    const request: ApprovalRequest = {
      resourceId: record.resourceId,
      paymentType: payments[0]!.type,
      amountMinor: payments.reduce((sum, p) => sum + p.amountMinor, 0n),
      debtorAccountId: payments[0]!.debtorAccountId,
      initiatedBy: call.caller.sub,
      idempotencyRecordId: record.id,
      required: need.required,
      approverRoles: need.approverRoles.join(','),
      policies: need.policies.join(','),
      status: 'pending',
      expiresAt: need.expiresAt,
      createdAt: payments[0]!.createdAt,
      decidedAt: null,
    };
    await this.approvals.insert(manager, request);
    await this.ledger.append(manager, [
      recordEvent({
        kind: 'payment',
        action: 'payment.approval_required',
        resourceType: 'payment',
        resourceId: record.resourceId,
        by: callerOf(call),
        detail: { policies: need.policies, approvals_required: need.required, expires_at: need.expiresAt.toISOString() },
      }),
    ]);
    const approval = approvalFields(request, []);
    await this.outbox.append(
      manager,
      withHistories(payments, history).map((v) => paymentEvent('payment.awaiting_approval', { ...v, ...approval })),
    );
    return this.heldAnswer(manager, record, call, { payments, history, batch }, approval);
  }

  /** The first answer of a payment that is not sent now (awaiting approval, or scheduled), stored with its record held. */
  private heldAnswer(
    manager: EntityManager,
    record: IdempotencyRecord,
    call: IdempotentCall,
    { payments, history, batch }: RecordedPayments,
    extra: object = {},
  ): Promise<IdempotentAnswer> {
    const views = withHistories(payments, history);
    const view = { ...(batch ? batchView(batch, views) : views[0]!), ...extra };
    const stamped = stampAuditFields(view, {
      timestamp: this.clock.now().toISOString(),
      actor: call.caller.sub,
      request_id: call.requestId,
    });
    return this.idempotency.hold(manager, record, ANSWER_STATUS[record.operation as PaymentOperation], stamped);
  }

  /**
   * Phases 2 and 3 for a claimed record: QBank is sent the request sealed in the record, with the record's
   * upstream key; its answer is recorded — the payments, their history, their audit events and the stored
   * answer — in one transaction. `recorded`: the payments as phase 1 left them (read again when the record
   * comes from elsewhere: a takeover, the recovery job). A definitive refusal fails the payments and is
   * stored too; any other failure leaves the record for a retry or the recovery job, and the caller is told
   * to retry later.
   */
  async send(
    record: IdempotencyRecord,
    by: AuditActor,
    source: StatusSource = 'api',
    recorded?: RecordedPayments,
  ): Promise<IdempotentAnswer> {
    const operation = record.operation as PaymentOperation;
    let result: QBankResult<Unstamped<Payment> | Unstamped<AchBatch>>;
    try {
      const request = this.idempotency.upstreamRequest<PaymentRequest>(record);
      result = await this.upstream.run((context) => this.post(operation, request, record.upstreamKey, context));
    } catch (error) {
      return this.idempotency.failed(record, error, by.requestId ?? randomUUID(), (manager) =>
        this.refused(manager, record, error, by, source),
      );
    }
    const recordedBy = { ...by, upstreamRequestId: result.requestId };
    const { answer, qbankPaymentIds } = await this.idempotency.recording(record, () =>
      this.db.transaction(async (manager) => {
        // No one else writes these payments meanwhile: QBank's ids, by which webhooks and status reads find
        // them, are only recorded here, and the record's holder alone completes it (see `complete`).
        const { payments, history, batch } = recorded ?? (await this.payments.recorded(manager, record.resourceId))!;
        const ach = batch ? (result.data as Unstamped<AchBatch>) : undefined;
        const answers = ach ? ach.payments : [result.data as Unstamped<Payment>];
        if (batch && ach) {
          batch.qbankBatchId = ach.batch_id.toLowerCase();
          await this.payments.setQBankBatchId(manager, batch.batchId, batch.qbankBatchId);
        }
        const changes = [...history];
        for (const [index, payment] of payments.entries()) {
          const answer = answers[index];
          if (answer) changes.push(...(await this.recorder.applyQBank(manager, payment, answer, source, recordedBy)));
        }
        const views = withHistories(payments, changes);
        const view = batch ? batchView(batch, views) : views[0]!;
        // The answer carries the audit fields of the request that initiated the payment.
        const stamped = stampAuditFields(view, {
          timestamp: this.clock.now().toISOString(),
          actor: payments[0]!.actor,
          request_id: payments[0]!.requestId,
        });
        return {
          answer: await this.idempotency.complete(manager, record, ANSWER_STATUS[operation], stamped),
          qbankPaymentIds: answers.map((a) => a.payment_id.toLowerCase()),
        };
      }),
    );
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

  /** QBank refused the request itself: its payments fail (giving their limits back). */
  private async refused(
    manager: EntityManager,
    record: IdempotencyRecord,
    error: unknown,
    by: AuditActor,
    source: StatusSource,
  ): Promise<void> {
    const reason = `QBank refused the request: ${(error as { errorCode?: string }).errorCode ?? ''}: ${(error as Error).message}`;
    for (const payment of (await this.payments.recorded(manager, record.resourceId))!.payments)
      await this.recorder.advance(manager, payment, [{ status: 'P_FAILED', at: this.clock.now(), detail: reason }], source, by);
  }

  /**
   * A payment or an ACH batch, refreshed from QBank when it is not final yet; 403 when the caller may not
   * read its account (before QBank is asked).
   */
  async status(id: string, by: AuditActor): Promise<PaymentView | BatchView> {
    const payment = await this.payments.findPayment(id);
    if (payment) {
      this.grants.assertRead(by, payment.debtorAccountId);
      if (payment.qbankPaymentId && !isFinal(payment.status)) {
        const { data } = await this.upstream.run((context) => this.qbank.getPayment(payment.qbankPaymentId!, context));
        await this.db.transaction(async (manager) => {
          // As it is now: a webhook may have moved it while QBank was asked.
          const [current] = await this.payments.forUpdate(manager, { paymentId: id });
          await this.recorder.applyQBank(manager, current!, data as Unstamped<Payment>, 'poll', by);
          await this.recorder.applyWaitingWebhooks(manager, current!, QBANK);
        });
      }
      return this.presented({ ...(await this.payments.view(id))!, postings: await this.transactions.postingsOf(id) }, by);
    }
    const batch = await this.payments.findBatch(id);
    if (!batch) throw new NotFoundError(`No payment or ACH batch ${id}`);
    this.grants.assertRead(by, batch.debtorAccountId);
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
    return this.presented((await this.payments.batchView(id))!, by);
  }

  /** Stored payments on accounts the caller may read (contract §13). */
  async list(query: ListPaymentsQuery, by: AuditActor): Promise<{ data: PaymentView[]; next_cursor: string | null }> {
    const page = await this.payments.list(query, this.grants.readable(by));
    return { data: await this.present(page.data, by), next_cursor: page.next_cursor };
  }

  async presented<T extends PaymentView | BatchView>(view: T, by: AuditActor): Promise<T> {
    return (await this.present([view], by))[0]!;
  }

  /**
   * Payments as `by` sees them: with their approval (a payment of an ACH batch shows its batch's), and the
   * idempotency key only to the caller that initiated them.
   */
  private async present<T extends PaymentView | BatchView>(views: T[], by: AuditActor): Promise<T[]> {
    const ids = [...new Set(views.map((v) => ('payment_id' in v ? (v.batch_id ?? v.payment_id) : v.batch_id)))];
    const requests = new Map((await this.approvals.requests(ids)).map((r) => [r.resourceId, r]));
    const decisions = requests.size ? await this.approvals.decisions([...requests.keys()]) : [];
    return views.map((view) => {
      const request = requests.get('payment_id' in view ? (view.batch_id ?? view.payment_id) : view.batch_id);
      const shown = { ...view, ...(request ? approvalFields(request, decisions) : {}) };
      if (shown.initiated_by !== by.sub) shown.idempotency_key = null;
      if ('payments' in shown)
        shown.payments = shown.payments.map((p) => (p.initiated_by === by.sub ? p : { ...p, idempotency_key: null }));
      return shown;
    });
  }
}

const callerOf = (call: IdempotentCall): AuditActor => ({ sub: call.caller.sub, roles: call.caller.roles, requestId: call.requestId });
