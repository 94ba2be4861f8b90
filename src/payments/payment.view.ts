import type { PaymentType } from '#qbank/contract';
import type { ApprovalFields } from '../approvals/approval.view.js';
import { formatMinor } from '../common/money.js';
import type { PaymentBatch, PaymentEntity, PaymentStatusChange, StatusSource } from './payment.entity.js';
import { isFinal, type PaymentState } from './payment-state.js';

/**
 * A payment as the gateway's API shows it (the audit fields are stamped on the way out); a payment that
 * matched approval policies also shows its approval (`ApprovalFields`).
 */
export interface PaymentView extends Partial<ApprovalFields> {
  payment_id: string;
  qbank_payment_id: string | null;
  batch_id: string | null;
  type: PaymentType;
  status: PaymentState;
  amount: string;
  currency: string;
  debtor_account_id: string;
  to_account_id: string | null;
  creditor: { name: string; routing_number: string; account_number: string; account_type?: 'CHECKING' | 'SAVINGS' } | null;
  description: string | null;
  failure_reason: string | null;
  /** The caller that initiated it (its token's `sub`). */
  initiated_by: string;
  /** The initiator's `Idempotency-Key`: shown to the initiator only. */
  idempotency_key: string | null;
  status_history: { status: PaymentState; at: string; source: StatusSource; detail?: string }[];
  created_at: string;
  updated_at: string;
  /** The day asked for (default: the day initiated, America/New_York); null on payments made before dates were kept. */
  requested_execution_date: string | null;
  /** The business day it goes (went) to QBank. */
  execution_date: string | null;
  /** Wire, transfer: the execution date; ACH: the execution date when same-day applies, else the next business day. */
  expected_settlement_date: string | null;
  /** ACH only: whether same-day was asked for. */
  same_day?: boolean;
  /** The postings QBank made for it (once synced), on `GET /v1/payments/{id}`. */
  postings?: { transaction_id: string; account_id: string; direction: string; amount: string; value_date: string; posting_date: string }[];
}

export interface BatchView extends Partial<ApprovalFields> {
  batch_id: string;
  qbank_batch_id: string | null;
  type: 'ACH_BATCH';
  status: PaymentState;
  debtor_account_id: string;
  sec_code: string;
  initiated_by: string;
  idempotency_key: string | null;
  created_at: string;
  requested_execution_date: string | null;
  execution_date: string | null;
  same_day: boolean;
  payments: PaymentView[];
}

export function paymentView(payment: PaymentEntity, history: PaymentStatusChange[]): PaymentView {
  return {
    payment_id: payment.paymentId,
    qbank_payment_id: payment.qbankPaymentId,
    batch_id: payment.batchId,
    type: payment.type,
    status: payment.status,
    amount: formatMinor(payment.amountMinor),
    currency: payment.currency,
    debtor_account_id: payment.debtorAccountId,
    to_account_id: payment.toAccountId,
    creditor: payment.creditorName
      ? {
          name: payment.creditorName,
          routing_number: payment.creditorRoutingNumber ?? '',
          account_number: payment.creditorAccountMasked ?? '',
          ...(payment.creditorAccountType ? { account_type: payment.creditorAccountType as 'CHECKING' | 'SAVINGS' } : {}),
        }
      : null,
    description: payment.description,
    failure_reason: payment.failureReason,
    initiated_by: payment.actor,
    idempotency_key: payment.idempotencyKey,
    status_history: history.map((h) => ({
      status: h.status,
      at: h.at.toISOString(),
      source: h.source,
      ...(h.detail && (h.source === 'approval' || h.source === 'scheduler') ? { detail: h.detail } : {}),
    })),
    created_at: payment.createdAt.toISOString(),
    updated_at: payment.updatedAt.toISOString(),
    requested_execution_date: payment.requestedExecutionDate,
    execution_date: payment.executionDate,
    expected_settlement_date: payment.expectedSettlementDate,
    ...(payment.type === 'ACH' ? { same_day: payment.sameDay ?? false } : {}),
  };
}

/**
 * A batch's status from its entries': pending until one moves, processing until all are final, then failed
 * when every entry failed and completed when at least one completed (each entry shows its own outcome).
 */
function batchStatus(entries: readonly { status: PaymentState }[]): PaymentState {
  // Decided as a whole before it is sent: awaiting approval, rejected, expired, cancelled together.
  if (entries.every((p) => p.status === entries[0]?.status)) return entries[0]?.status ?? 'P_PENDING';
  if (entries.every((p) => isFinal(p.status))) return entries.some((p) => p.status === 'P_COMPLETED') ? 'P_COMPLETED' : 'P_FAILED';
  return entries.some((p) => p.status !== 'P_PENDING') ? 'P_PROCESSING' : 'P_PENDING';
}

export function batchView(batch: PaymentBatch, payments: PaymentView[]): BatchView {
  return {
    batch_id: batch.batchId,
    qbank_batch_id: batch.qbankBatchId,
    type: 'ACH_BATCH',
    status: batchStatus(payments),
    debtor_account_id: batch.debtorAccountId,
    sec_code: batch.secCode,
    initiated_by: batch.actor,
    idempotency_key: batch.idempotencyKey,
    created_at: batch.createdAt.toISOString(),
    // One request, one date for all its entries.
    requested_execution_date: payments[0]?.requested_execution_date ?? null,
    execution_date: payments[0]?.execution_date ?? null,
    same_day: payments[0]?.same_day ?? false,
    payments,
  };
}
