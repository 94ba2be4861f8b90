import { randomUUID } from 'node:crypto';
import type { AchBatchRequest, TransferRequest, WireRequest } from '#qbank/contract';
import { maskAccountNumber, parseMinor } from '../common/money.js';
import type { IdempotentCall } from '../idempotency/idempotent-call.js';
import { type PaymentBatch, PaymentEntity } from './payment.entity.js';
import type { CreateAchDto, CreateTransferDto, CreateWireDto } from './payment-requests.dto.js';

/** What QBank is sent for each payment request: the caller's fields, as they came. */
export const wireRequest = (dto: CreateWireDto): WireRequest => ({
  debtor_account_id: dto.debtor_account_id,
  amount: dto.amount,
  currency: dto.currency,
  creditor: { name: dto.creditor.name, routing_number: dto.creditor.routing_number, account_number: dto.creditor.account_number },
  description: dto.description,
});

export const transferRequest = (dto: CreateTransferDto): TransferRequest => ({
  from_account_id: dto.from_account_id,
  to_account_id: dto.to_account_id,
  amount: dto.amount,
  currency: dto.currency,
  description: dto.description,
});

export const achRequest = (dto: CreateAchDto): AchBatchRequest => ({
  debtor_account_id: dto.debtor_account_id,
  sec_code: dto.sec_code,
  payments: dto.payments.map((p) => ({
    amount: p.amount,
    creditor: {
      name: p.creditor.name,
      routing_number: p.creditor.routing_number,
      account_number: p.creditor.account_number,
      account_type: p.creditor.account_type,
    },
    description: p.description,
  })),
});

/** A payment as recorded before QBank is called: P_PENDING, with the gateway's id; the creditor's account masked. */
function pending(
  call: IdempotentCall,
  paymentId: string,
  now: Date,
  fields: Partial<PaymentEntity> & Pick<PaymentEntity, 'type' | 'amountMinor' | 'debtorAccountId'>,
): PaymentEntity {
  return Object.assign(new PaymentEntity(), {
    paymentId,
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
    creditorFingerprint: null,
    description: null,
    failureReason: null,
    actor: call.caller.sub,
    idempotencyKey: call.key,
    requestId: call.requestId,
    createdAt: now,
    updatedAt: now,
    // Dated by `PaymentTiming` when recorded.
    requestedExecutionDate: null,
    executionDate: null,
    expectedSettlementDate: null,
    sameDay: null,
    ...fields,
  } satisfies PaymentEntity);
}

/** A creditor's fingerprint (`BeneficiaryFingerprints.of`). */
export type Fingerprint = (routingNumber: string, accountNumber: string) => string;

export const pendingWire = (
  dto: CreateWireDto,
  call: IdempotentCall,
  paymentId: string,
  now: Date,
  fingerprint: Fingerprint,
): PaymentEntity =>
  pending(call, paymentId, now, {
    type: 'WIRE',
    amountMinor: parseMinor(dto.amount),
    currency: dto.currency,
    debtorAccountId: dto.debtor_account_id,
    creditorName: dto.creditor.name,
    creditorRoutingNumber: dto.creditor.routing_number,
    creditorAccountMasked: maskAccountNumber(dto.creditor.account_number),
    creditorFingerprint: fingerprint(dto.creditor.routing_number, dto.creditor.account_number),
    description: dto.description ?? null,
  });

export const pendingTransfer = (dto: CreateTransferDto, call: IdempotentCall, paymentId: string, now: Date): PaymentEntity =>
  pending(call, paymentId, now, {
    type: 'TRANSFER',
    amountMinor: parseMinor(dto.amount),
    currency: dto.currency,
    debtorAccountId: dto.from_account_id,
    toAccountId: dto.to_account_id,
    description: dto.description ?? null,
  });

/** An ACH batch (its id is the record's) and its entries, each a payment of its own. */
export function pendingAch(
  dto: CreateAchDto,
  call: IdempotentCall,
  batchId: string,
  now: Date,
  fingerprint: Fingerprint,
): { batch: PaymentBatch; entries: PaymentEntity[] } {
  const batch: PaymentBatch = {
    batchId,
    qbankBatchId: null,
    debtorAccountId: dto.debtor_account_id,
    secCode: dto.sec_code,
    actor: call.caller.sub,
    idempotencyKey: call.key,
    requestId: call.requestId,
    createdAt: now,
  };
  const entries = dto.payments.map((entry, index) =>
    pending(call, randomUUID(), now, {
      type: 'ACH',
      batchId,
      batchIndex: index,
      amountMinor: parseMinor(entry.amount),
      debtorAccountId: dto.debtor_account_id,
      creditorName: entry.creditor.name,
      creditorRoutingNumber: entry.creditor.routing_number,
      creditorAccountMasked: maskAccountNumber(entry.creditor.account_number),
      creditorAccountType: entry.creditor.account_type,
      creditorFingerprint: fingerprint(entry.creditor.routing_number, entry.creditor.account_number),
      description: entry.description ?? null,
    }),
  );
  return { batch, entries };
}
