import type { components } from './qbank-gateway.schema.js';

type Schemas = components['schemas'];

/** What the client sends: the request schemas of the gateway's OpenAPI document. */
export type WireRequest = Schemas['CreateWireDto'];
export type TransferRequest = Schemas['CreateTransferDto'];
export type AchRequest = Schemas['CreateAchDto'];
export type PositivePayIssueRequest = Schemas['CreatePositivePayIssueDto'];
export type StandardErrorBody = Schemas['StandardErrorDto'];
export type ProblemBody = Schemas['ProblemDto'];

/*
 * What the gateway answers. The OpenAPI document describes its success answers in words only (no schema), so
 * the generated types cannot say; these are the fields the gateway's contract promises. Money is a decimal
 * string ("1250.00"), dates are ISO 8601.
 */

export type PaymentStatus =
  | 'P_AWAITING_APPROVAL'
  | 'P_SCHEDULED'
  | 'P_PENDING'
  | 'P_PROCESSING'
  | 'P_COMPLETED'
  | 'P_FAILED'
  | 'P_REJECTED'
  | 'P_EXPIRED'
  | 'P_CANCELLED';

/** The audit fields every resource carries: when, who and which call. */
export interface AuditFields {
  timestamp: string;
  actor: string;
  request_id: string;
}

export interface Payment extends AuditFields {
  /** The gateway's id, assigned before QBank is called: poll it with `getPayment`. */
  payment_id: string;
  /** QBank's id; null until QBank answered. */
  qbank_payment_id: string | null;
  batch_id: string | null;
  type: 'ACH' | 'WIRE' | 'TRANSFER';
  status: PaymentStatus;
  amount: string;
  currency: string;
  debtor_account_id: string;
  to_account_id: string | null;
  /** The account number shows its last four digits only. */
  creditor: { name: string; routing_number: string; account_number: string; account_type?: 'CHECKING' | 'SAVINGS' } | null;
  description: string | null;
  failure_reason: string | null;
  initiated_by: string;
  /** The `Idempotency-Key` it was sent with (shown to its initiator only). */
  idempotency_key: string | null;
  status_history: { status: PaymentStatus; at: string; source: string; detail?: string }[];
  requested_execution_date: string | null;
  execution_date: string | null;
  expected_settlement_date: string | null;
  created_at: string;
  updated_at: string;
}

/** The answer to an ACH request: the batch and its entries, each `P_PENDING`. */
export interface AchBatch extends AuditFields {
  batch_id: string;
  payments: Payment[];
}

export interface PositivePayIssue extends AuditFields {
  issue_id: string;
  account_id: string;
  /** `RECEIVED`, then `PROCESSED` after QBank's next batch. */
  status: string;
  checks: {
    check_number: string;
    amount: string;
    payee_name: string;
    issue_date: string;
    void?: boolean;
    status?: string;
    reason?: string | null;
  }[];
}
