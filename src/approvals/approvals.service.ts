import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { recordEvent, SYSTEM, type AuditActor } from '../audit/audit-event.factory.js';
import { AuditLedger } from '../audit/audit-ledger.js';
import { AccountGrants } from '../auth/account-grants.js';
import { Clock } from '../common/clock.js';
import { GatewayError, NotFoundError } from '../common/errors/gateway-errors.js';
import { formatMinor } from '../common/money.js';
import { Database } from '../database/database.js';
import { Outbox } from '../events/outbox.js';
import type { IdempotencyRecord } from '../idempotency/idempotency-record.entity.js';
import { IdempotencyService, isDefinitiveRefusal } from '../idempotency/idempotency.service.js';
import { PaymentEntity } from '../payments/payment.entity.js';
import { paymentEvent } from '../payments/payment-events.js';
import { PaymentRecorder } from '../payments/payment-recorder.js';
import { PaymentRepository } from '../payments/payment.repository.js';
import type { PaymentState } from '../payments/payment-state.js';
import type { BatchView, PaymentView } from '../payments/payment.view.js';
import { PaymentTiming } from '../payments/payment-timing.js';
import { PaymentsService } from '../payments/payments.service.js';
import { ScheduledPayments } from '../payments/scheduled-payments.js';
import type { ApprovalRequest, ApprovalStatus } from './approval.entity.js';
import { ApprovalRepository } from './approval.repository.js';
import { approvalFields, type PendingApprovalView } from './approval.view.js';

export type Decision = 'approve' | 'reject';

/** How a payment that waited for approval ended without going to QBank. */
const ENDINGS = {
  rejected: { state: 'P_REJECTED', action: 'payment.rejected' },
  expired: { state: 'P_EXPIRED', action: 'payment.expired' },
  cancelled: { state: 'P_CANCELLED', action: 'payment.cancelled' },
} as const satisfies Partial<Record<ApprovalStatus, { state: PaymentState; action: string }>>;

/** What a decision's transaction leaves to do once it has committed. */
type Outcome = { kind: 'decided' } | { kind: 'send'; record: IdempotencyRecord } | { kind: 'expired' };

/**
 * Decisions on payments awaiting approval (contract §13). Each decision runs in one transaction that locks
 * the approval request (two approvers at once take turns): it records the decision, a history entry (source
 * `approval`) and an audit event. The last approval moves the payments to P_PENDING and takes their
 * idempotency record up (in flight, under a lease) in that transaction; after it commits the payment is
 * sent with the record's upstream key exactly as a direct payment is — a crash before QBank's answer is
 * recorded leaves the record to the recovery job — unless the last approval comes after the cutoff of the
 * payment's execution date, or before a future one: the payment is then scheduled (P_SCHEDULED, its record
 * still held) for the scheduler to send when its window opens. A rejection, expiry or cancel ends the
 * payments and gives the limits they reserved back; a scheduled payment can be cancelled until released.
 */
@Injectable()
export class ApprovalsService {
  private readonly logger = new Logger(ApprovalsService.name);

  constructor(
    private readonly db: Database,
    private readonly approvals: ApprovalRepository,
    private readonly payments: PaymentRepository,
    private readonly recorder: PaymentRecorder,
    private readonly sender: PaymentsService,
    private readonly idempotency: IdempotencyService,
    private readonly ledger: AuditLedger,
    private readonly grants: AccountGrants,
    private readonly clock: Clock,
    private readonly outbox: Outbox,
    private readonly timing: PaymentTiming,
    private readonly scheduled: ScheduledPayments,
  ) {}

  /** `GET /v1/approvals?status=pending`: what `by` may decide now. */
  async pending(by: AuditActor, limit: number, cursor?: string): Promise<{ data: PendingApprovalView[]; next_cursor: string | null }> {
    const page = await this.approvals.decidable(
      { sub: by.sub, roles: by.roles ?? [] },
      this.grants.readable(by),
      this.clock.now(),
      limit,
      cursor,
    );
    const decisions = await this.approvals.decisions(page.data.map((r) => r.resourceId));
    return {
      data: page.data.map((request) => ({
        payment_id: request.resourceId,
        type: request.paymentType === 'ACH' ? 'ACH_BATCH' : request.paymentType,
        amount: formatMinor(request.amountMinor),
        currency: 'USD',
        debtor_account_id: request.debtorAccountId,
        initiated_by: request.initiatedBy,
        created_at: request.createdAt.toISOString(),
        ...approvalFields(request, decisions),
      })),
      next_cursor: page.next_cursor,
    };
  }

  /** An approval or a rejection by `by`; answers the payment as it is afterwards. */
  async decide(id: string, decision: Decision, by: AuditActor, comment: string | null): Promise<PaymentView | BatchView> {
    const outcome = await this.db.transaction(async (manager): Promise<Outcome> => {
      const { request, payments } = await this.locked(manager, id, by);
      if (request.initiatedBy === by.sub)
        throw new GatewayError(403, 'GW_SELF_APPROVAL', `The initiator of payment ${request.resourceId} cannot decide it`);
      if (!(by.roles ?? []).some((role) => request.approverRoles.split(',').includes(role)))
        throw new GatewayError(
          403,
          'GW_NOT_APPROVER',
          `Payment ${request.resourceId} needs approval from a role in [${request.approverRoles}]; the caller holds none of them`,
        );
      const decisions = await this.approvals.decisions([request.resourceId], manager);
      // A repeated decision changes nothing: the payment is answered as it is.
      if (decisions.some((d) => d.approver === by.sub && d.decision === decision)) return { kind: 'decided' };
      if (request.status === 'pending' && request.expiresAt <= this.clock.now()) {
        await this.end(manager, request, payments, 'expired', SYSTEM, 'approval window passed');
        return { kind: 'expired' };
      }
      if (request.status !== 'pending')
        throw new GatewayError(
          409,
          'GW_NOT_AWAITING_APPROVAL',
          `Payment ${request.resourceId} is not awaiting approval (${request.status})`,
        );
      const now = this.clock.now();
      await this.approvals.insertDecision(manager, {
        id: randomUUID(),
        resourceId: request.resourceId,
        approver: by.sub,
        decision,
        comment,
        at: now,
      });
      if (decision === 'reject') {
        await this.end(manager, request, payments, 'rejected', by, `rejected by ${by.sub}${comment ? `: ${comment}` : ''}`);
        return { kind: 'decided' };
      }
      const count = decisions.filter((d) => d.decision === 'approve').length + 1;
      const detail = `approved by ${by.sub} (${count} of ${request.required})`;
      await this.audit(manager, request, 'payment.approved', by, { approvals: count, approvals_required: request.required, comment });
      if (count < request.required) {
        await this.recorder.noted(manager, payments, detail, 'approval');
        return { kind: 'decided' };
      }
      request.status = 'approved';
      request.decidedAt = now;
      await this.approvals.update(manager, request);
      // Approved after its execution date's cutoff, or before a future one: it waits for its window (contract §15).
      if (this.timing.redate(payments, now))
        for (const p of payments)
          await this.payments.update(manager, p.paymentId, {
            executionDate: p.executionDate,
            expectedSettlementDate: p.expectedSettlementDate,
          });
      const waits = payments[0]!.executionDate !== null && this.timing.waits(payments[0]!.executionDate, now);
      const next = waits ? 'P_SCHEDULED' : 'P_PENDING';
      for (const payment of payments) await this.recorder.advance(manager, payment, [{ status: next, at: now, detail }], 'approval', by);
      await this.announce(manager, 'payment.approved', request, payments);
      if (waits) {
        const approval = approvalFields(request, await this.approvals.decisions([request.resourceId], manager));
        await this.scheduled.announce(manager, request.resourceId, payments, by, approval);
        return { kind: 'decided' };
      }
      const record = await this.idempotency.resume(manager, request.idempotencyRecordId);
      if (!record) throw new Error(`payment ${request.resourceId} approved, but its idempotency record is not held`);
      return { kind: 'send', record };
    });
    if (outcome.kind === 'expired')
      throw new GatewayError(409, 'GW_NOT_AWAITING_APPROVAL', `Payment ${id} is not awaiting approval: its approval window has passed`);
    if (outcome.kind === 'send') await this.send(outcome.record, by);
    return this.sender.status(id, by);
  }

  /**
   * `POST /v1/payments/{id}/cancel`: by the initiator or one of its approvers, while it has not gone to QBank
   * (awaiting approval, or scheduled and not released yet).
   */
  async cancel(id: string, by: AuditActor): Promise<PaymentView | BatchView> {
    await this.db.transaction(async (manager) => {
      const { resourceId, request, payments } = await this.lockedOrNone(manager, id, by);
      const approver = request !== undefined && (by.roles ?? []).some((role) => request.approverRoles.split(',').includes(role));
      const initiator = payments[0]!.actor;
      if (payments.every((p) => p.status === 'P_SCHEDULED')) {
        if (initiator !== by.sub && !approver) throw forbiddenCancel(resourceId);
        const approval = request ? await this.cancelRequest(manager, request) : {};
        await this.scheduled.cancel(manager, resourceId, payments, by, approval);
        return;
      }
      if (payments.every((p) => p.status === 'P_CANCELLED')) return; // cancelled already: answered as it is
      if (!request)
        throw new GatewayError(
          409,
          'GW_NOT_CANCELLABLE',
          `Payment ${id} has gone to QBank (${payments[0]!.status}): it cannot be cancelled`,
        );
      if (initiator !== by.sub && request.initiatedBy !== by.sub && !approver) throw forbiddenCancel(resourceId);
      if (request.status !== 'pending' || request.expiresAt <= this.clock.now())
        throw new GatewayError(
          409,
          'GW_NOT_CANCELLABLE',
          `Payment ${request.resourceId} is no longer awaiting approval (${request.status}): it cannot be cancelled`,
        );
      await this.end(manager, request, payments, 'cancelled', by, `cancelled by ${by.sub}`);
    });
    return this.sender.status(id, by);
  }

  /** The approval of a scheduled payment being cancelled ends too; answers its fields for the events. */
  private async cancelRequest(manager: EntityManager, request: ApprovalRequest): Promise<object> {
    request.status = 'cancelled';
    request.decidedAt = this.clock.now();
    await this.approvals.update(manager, request);
    return approvalFields(request, await this.approvals.decisions([request.resourceId], manager));
  }

  /** Ends the pending requests past their expiry (the expiry job); answers how many. */
  async expireDue(limit: number): Promise<number> {
    let expired = 0;
    for (const due of await this.approvals.expired(this.clock.now(), limit))
      await this.db.transaction(async (manager) => {
        const request = await this.approvals.forUpdate(manager, due.resourceId);
        if (request?.status !== 'pending' || request.expiresAt > this.clock.now()) return; // decided meanwhile
        const payments = await this.paymentsOf(manager, request.resourceId);
        await this.end(manager, request, payments, 'expired', SYSTEM, 'approval window passed');
        expired += 1;
      });
    return expired;
  }

  /** A rejection, expiry or cancel: the payments end unsent, their limits given back, the held record settled. */
  private async end(
    manager: EntityManager,
    request: ApprovalRequest,
    payments: PaymentEntity[],
    status: keyof typeof ENDINGS,
    by: AuditActor,
    detail: string,
  ): Promise<void> {
    const now = this.clock.now();
    request.status = status;
    request.decidedAt = now;
    await this.approvals.update(manager, request);
    for (const payment of payments)
      await this.recorder.advance(manager, payment, [{ status: ENDINGS[status].state, at: now, detail }], 'approval', by);
    await this.idempotency.settle(manager, request.idempotencyRecordId);
    await this.audit(manager, request, ENDINGS[status].action, by, { detail });
    await this.announce(manager, ENDINGS[status].action, request, payments);
  }

  /** The outbox events of a decision: each payment as it now is, with its approval. */
  private async announce(
    manager: EntityManager,
    type: 'payment.approved' | (typeof ENDINGS)[keyof typeof ENDINGS]['action'],
    request: ApprovalRequest,
    payments: PaymentEntity[],
  ): Promise<void> {
    const approval = approvalFields(request, await this.approvals.decisions([request.resourceId], manager));
    const views = [];
    for (const payment of payments) views.push({ ...(await this.payments.view(payment.paymentId, manager))!, ...approval });
    await this.outbox.append(
      manager,
      views.map((view) => paymentEvent(type, view)),
    );
  }

  private async send(record: IdempotencyRecord, by: AuditActor): Promise<void> {
    try {
      await this.sender.send(record, by, 'api');
    } catch (error) {
      // The approval stands either way: QBank's refusal failed the payment; any other failure left the
      // record to the recovery job. The approver is answered the payment as it now is.
      if (!isDefinitiveRefusal(error))
        this.logger.warn({ err: error, resource_id: record.resourceId }, 'approved payment not sent yet; the recovery job will send it');
    }
  }

  private async audit(manager: EntityManager, request: ApprovalRequest, action: string, by: AuditActor, detail: Record<string, unknown>) {
    await this.ledger.append(manager, [
      recordEvent({ kind: 'payment', action, resourceType: 'payment', resourceId: request.resourceId, by, detail, at: this.clock.now() }),
    ]);
  }

  private async locked(
    manager: EntityManager,
    id: string,
    by: AuditActor,
  ): Promise<{ request: ApprovalRequest; payments: PaymentEntity[] }> {
    const { request, payments } = await this.lockedOrNone(manager, id, by);
    if (!request) throw new GatewayError(409, 'GW_NOT_AWAITING_APPROVAL', `Payment ${id} did not wait for approval`);
    return { request, payments };
  }

  /**
   * A payment or ACH batch (an entry's id stands for its batch) with its approval request, if it needed one,
   * locked; 404 when no such payment, 403 when the caller may not read its account. Locks are taken in one
   * order on every path (the request, then its payments in batch order), as the expiry job takes them: two
   * deciders never wait on each other's locks.
   */
  private async lockedOrNone(
    manager: EntityManager,
    id: string,
    by: AuditActor,
  ): Promise<{ resourceId: string; request?: ApprovalRequest; payments: PaymentEntity[] }> {
    const [payment] = await manager.find(PaymentEntity, { where: [{ paymentId: id }, { batchId: id }], take: 1 });
    if (!payment) throw new NotFoundError(`No payment or ACH batch ${id}`);
    this.grants.assertRead(by, payment.debtorAccountId);
    const resourceId = payment.batchId ?? payment.paymentId;
    const request = (await this.approvals.forUpdate(manager, resourceId)) ?? undefined;
    return { resourceId, request, payments: await this.paymentsOf(manager, resourceId) };
  }

  private async paymentsOf(manager: EntityManager, resourceId: string): Promise<PaymentEntity[]> {
    const batch = await this.payments.forUpdate(manager, { batchId: resourceId });
    return batch.length ? batch : this.payments.forUpdate(manager, { paymentId: resourceId });
  }
}

const forbiddenCancel = (resourceId: string): GatewayError =>
  new GatewayError(403, 'GW_CANCEL_FORBIDDEN', `Only the initiator of payment ${resourceId} or one of its approvers may cancel it`);
