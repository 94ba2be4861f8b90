import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { ClsService } from 'nestjs-cls';
import type { EntityManager, Repository } from 'typeorm';
import { QBankClient, type CallContext } from '#qbank/client';
import type { AchBatch, Payment } from '#qbank/contract';
import { GatewayError, GatewayProblem, NotFoundError } from '../common/errors/gateway-errors.js';
import { formatMinor, maskAccountNumber, parseMinor } from '../common/money.js';
import { CONTEXT_KEY, type RequestContext } from '../common/request-context.js';
import { UpstreamCall } from '../common/upstream-call.js';
import { TransactionRunner } from '../database/transaction-runner.js';
import { TransactionEntity } from '../transactions/transaction.entity.js';
import { PaymentBatch, PaymentEntity } from './payment.entity.js';
import type { CreateAchDto, CreateTransferDto, CreateWireDto } from './payment-requests.dto.js';
import { PaymentLimits } from './payment-limits.js';
import { PaymentStore } from './payment-store.js';
import { paymentView, type BatchView, type PaymentView } from './payment.view.js';

type Unstamped<T> = Omit<T, 'timestamp' | 'actor' | 'request_id'>;

/**
 * Money movement. Each operation is one idempotent service call: the payment is stored (P_PENDING, with
 * the gateway's id) and committed before QBank is called with the record's upstream key; QBank's answer
 * is then applied in one transaction. Calling it again for the same record (a retry that took the record
 * over) re-sends the same key, which QBank de-duplicates: it can be re-driven safely at any point.
 */
@Injectable()
export class PaymentsService {
  private readonly logger = new Logger(PaymentsService.name);

  constructor(
    private readonly qbank: QBankClient,
    private readonly upstream: UpstreamCall,
    private readonly store: PaymentStore,
    private readonly transactions: TransactionRunner,
    private readonly cls: ClsService,
    private readonly limits: PaymentLimits,
    @InjectRepository(PaymentEntity) private readonly payments: Repository<PaymentEntity>,
  ) {}

  private context(): RequestContext & { idempotency: NonNullable<RequestContext['idempotency']> } {
    const ctx = this.cls.get<RequestContext | undefined>(CONTEXT_KEY);
    if (!ctx?.idempotency || !ctx.caller) throw new Error('money movement outside an idempotent request');
    return ctx as RequestContext & { idempotency: NonNullable<RequestContext['idempotency']> };
  }

  private newPayment(ctx: ReturnType<PaymentsService['context']>, fields: Partial<PaymentEntity>): PaymentEntity {
    const now = new Date();
    return this.payments.create({
      paymentId: ctx.idempotency.resourceId,
      qbankPaymentId: null,
      batchId: null,
      batchIndex: null,
      status: 'P_PENDING',
      currency: 'USD',
      toAccountId: null,
      creditorName: null,
      creditorRoutingNumber: null,
      creditorAccountMasked: null,
      creditorAccountType: null,
      description: null,
      failureReason: null,
      actor: ctx.caller!.sub,
      idempotencyKey: ctx.idempotency.callerKey,
      requestId: ctx.requestId,
      createdAt: now,
      updatedAt: now,
      ...fields,
    });
  }

  async wire(dto: CreateWireDto): Promise<PaymentView> {
    const ctx = this.context();
    const payment = this.newPayment(ctx, {
      type: 'WIRE',
      amountMinor: parseMinor(dto.amount),
      currency: dto.currency,
      debtorAccountId: dto.debtor_account_id,
      creditorName: dto.creditor.name,
      creditorRoutingNumber: dto.creditor.routing_number,
      creditorAccountMasked: maskAccountNumber(dto.creditor.account_number),
      description: dto.description ?? null,
    });
    return this.sendOne(payment, (key, call) =>
      this.qbank.createWire(
        {
          debtor_account_id: dto.debtor_account_id,
          amount: dto.amount,
          currency: dto.currency,
          creditor: { ...dto.creditor },
          description: dto.description,
        },
        key,
        call,
      ),
    );
  }

  async transfer(dto: CreateTransferDto): Promise<PaymentView> {
    const ctx = this.context();
    const payment = this.newPayment(ctx, {
      type: 'TRANSFER',
      amountMinor: parseMinor(dto.amount),
      currency: dto.currency,
      debtorAccountId: dto.from_account_id,
      toAccountId: dto.to_account_id,
      description: dto.description ?? null,
    });
    return this.sendOne(payment, (key, call) =>
      this.qbank.createTransfer(
        {
          from_account_id: dto.from_account_id,
          to_account_id: dto.to_account_id,
          amount: dto.amount,
          currency: dto.currency,
          description: dto.description,
        },
        key,
        call,
      ),
    );
  }

  /** Stores the payment, sends it with the record's upstream key, applies the answer. */
  private async sendOne(
    payment: PaymentEntity,
    send: (
      upstreamKey: string,
      call: CallContext,
    ) => Promise<{ data: Unstamped<Payment>; status: number; requestId: string | null; replayed: boolean }>,
  ): Promise<PaymentView> {
    const ctx = this.context();
    const { fresh } = ctx.idempotency;
    const created = await this.transactions.transaction(async (manager) => {
      const history = await this.store.createPending(manager, [payment], undefined, fresh);
      if (fresh) await this.limits.check(manager, ctx.caller!, payment.type, [payment.amountMinor]);
      return history;
    });
    // A retry that took the record over continues with the payment as stored.
    const stored = fresh ? payment : await this.payments.findOneByOrFail({ paymentId: payment.paymentId });
    let answer: Unstamped<Payment>;
    try {
      answer = (await this.upstream.run((call) => send(ctx.idempotency.upstreamKey, call))).data;
    } catch (error) {
      throw await this.upstreamFailure(error, [stored]);
    }
    // The recording transaction only writes (one round trip on PostgreSQL); webhooks that came first are applied after it.
    const view = await this.transactions.transaction(async (manager) => {
      const applied = await this.store.applyQBank(manager, stored, answer, 'api', []);
      const view = fresh ? paymentView(stored, [...created, ...applied]) : (await this.store.view(stored.paymentId, manager))!;
      return this.complete(manager, view);
    });
    await this.applyLateWebhooks([stored.qbankPaymentId!]);
    return view;
  }

  /**
   * Webhooks that arrived before QBank's answer was recorded. The answer (as QBank gave it) is already
   * committed and stored for replay: a failure here is logged, and the webhook stays stored for the next
   * status read or delivery of it to apply.
   */
  private async applyLateWebhooks(qbankPaymentIds: string[]): Promise<void> {
    try {
      await this.store.applyLateWebhooks(qbankPaymentIds);
    } catch (err) {
      this.logger.error({ err, qbank_payment_ids: qbankPaymentIds.length }, 'webhooks that came before the answer not applied yet');
    }
  }

  /** The answer stored for replay with the call's audit event, in the transaction that records the outcome. */
  private async complete<T>(manager: EntityManager, view: T): Promise<T> {
    const { completeWithin } = this.context().idempotency;
    return completeWithin ? ((await completeWithin(manager, view)) as T) : view;
  }

  async ach(dto: CreateAchDto): Promise<BatchView> {
    const ctx = this.context();
    const batchId = ctx.idempotency.resourceId;
    const now = new Date();
    const batch: PaymentBatch = {
      batchId,
      qbankBatchId: null,
      debtorAccountId: dto.debtor_account_id,
      secCode: dto.sec_code,
      actor: ctx.caller!.sub,
      idempotencyKey: ctx.idempotency.callerKey,
      requestId: ctx.requestId,
      createdAt: now,
    };
    const entries = dto.payments.map((entry, index) =>
      this.newPayment(ctx, {
        paymentId: randomUUID(),
        batchId,
        batchIndex: index,
        type: 'ACH',
        amountMinor: parseMinor(entry.amount),
        debtorAccountId: dto.debtor_account_id,
        creditorName: entry.creditor.name,
        creditorRoutingNumber: entry.creditor.routing_number,
        creditorAccountMasked: maskAccountNumber(entry.creditor.account_number),
        creditorAccountType: entry.creditor.account_type,
        description: entry.description ?? null,
      }),
    );
    // A retry that took the record over finds the batch and its payments already stored.
    await this.transactions.transaction(async (manager) => {
      await this.store.createPending(manager, entries, batch, ctx.idempotency.fresh);
      if (ctx.idempotency.fresh)
        await this.limits.check(
          manager,
          ctx.caller!,
          'ACH',
          entries.map((e) => e.amountMinor),
        );
    });
    const stored = await this.payments.find({ where: { batchId }, order: { batchIndex: 'ASC' } });
    let answer: Unstamped<AchBatch>;
    try {
      answer = (
        await this.upstream.run((call) =>
          this.qbank.createAchBatch(
            {
              debtor_account_id: dto.debtor_account_id,
              sec_code: dto.sec_code,
              payments: dto.payments.map((p) => ({ amount: p.amount, creditor: { ...p.creditor }, description: p.description })),
            },
            ctx.idempotency.upstreamKey,
            call,
          ),
        )
      ).data;
    } catch (error) {
      throw await this.upstreamFailure(error, stored);
    }
    const view = await this.transactions.transaction(async (manager) => {
      await manager.update(PaymentBatch, { batchId }, { qbankBatchId: answer.batch_id });
      for (const [index, payment] of stored.entries()) {
        const qbankPayment = answer.payments[index];
        if (qbankPayment) await this.store.applyQBank(manager, payment, qbankPayment, 'api', []);
      }
      return this.complete(manager, (await this.store.batchView(batchId, manager))!);
    });
    await this.applyLateWebhooks(stored.flatMap((payment) => (payment.qbankPaymentId ? [payment.qbankPaymentId] : [])));
    return view;
  }

  /**
   * A failure of the QBank call. QBank refusing the request (4xx) is final: the payments fail and the
   * answer is stored for replay. QBank's own 409 names its transaction; the caller polls ours instead.
   * Anything else leaves the payments pending and the record recoverable.
   */
  private async upstreamFailure(error: unknown, payments: PaymentEntity[]): Promise<unknown> {
    const ctx = this.context();
    if (error instanceof GatewayProblem && error.status === 409) {
      return new GatewayProblem(
        409,
        error.type,
        error.title,
        'QBank is still processing this request; poll its transaction_id',
        ctx.idempotency.resourceId,
      );
    }
    if (error instanceof GatewayError && error.status >= 400 && error.status < 500) {
      await this.transactions.transaction(async (manager) => {
        for (const payment of payments) {
          await this.store.applyStatus(
            manager,
            payment,
            'P_FAILED',
            'api',
            new Date(),
            `QBank refused the request: ${error.errorCode}: ${error.message}`,
          );
        }
      });
    }
    return error;
  }

  /** Synced transactions that QBank ties to this payment (reconciliation). */
  private async postings(paymentId: string): Promise<NonNullable<PaymentView['postings']>> {
    const rows = await this.payments.manager.find(TransactionEntity, { where: { paymentId }, order: { postingDate: 'ASC' } });
    return rows.map((t) => ({
      transaction_id: t.transactionId,
      account_id: t.accountId,
      direction: t.direction,
      amount: formatMinor(t.amountMinor),
      value_date: t.valueDate,
      posting_date: t.postingDate.toISOString(),
    }));
  }

  /** A payment or an ACH batch, refreshed from QBank when it is not final yet. */
  async status(id: string): Promise<PaymentView | BatchView> {
    const payment = await this.payments.findOneBy({ paymentId: id });
    if (payment) {
      if (payment.qbankPaymentId && this.store.unresolved(payment)) {
        const qbank = (await this.upstream.run((call) => this.qbank.getPayment(payment.qbankPaymentId!, call))).data as Unstamped<Payment>;
        await this.transactions.transaction(async (manager) => {
          // As it is now: a webhook may have moved it while QBank was asked.
          const [current] = await this.store.lockedPayments(manager, { paymentId: id });
          await this.store.applyQBank(manager, current!, qbank, 'poll');
        });
      }
      return { ...(await this.store.view(id))!, postings: await this.postings(id) };
    }
    const batch = await this.payments.manager.findOneBy(PaymentBatch, { batchId: id });
    if (!batch) throw new NotFoundError(`No payment or ACH batch ${id}`);
    const members = await this.payments.find({ where: { batchId: id }, order: { batchIndex: 'ASC' } });
    if (batch.qbankBatchId && members.some((p) => this.store.unresolved(p))) {
      const qbank = (await this.upstream.run((call) => this.qbank.getPayment(batch.qbankBatchId!, call))).data as Unstamped<AchBatch>;
      await this.transactions.transaction(async (manager) => {
        const current = await this.store.lockedPayments(manager, { batchId: id });
        for (const [index, member] of current.entries()) {
          const answer = qbank.payments?.[index];
          if (answer) await this.store.applyQBank(manager, member, answer, 'poll');
        }
      });
    }
    return (await this.store.batchView(id))!;
  }
}
