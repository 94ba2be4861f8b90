import type { components } from './qbank-gateway.schema.js';

type Schemas = components['schemas'];

/** What the client sends: the request schemas of the gateway's OpenAPI document. */
export type WireRequest = Schemas['CreateWireDto'];
export type TransferRequest = Schemas['CreateTransferDto'];
export type AchRequest = Schemas['CreateAchDto'];
export type PositivePayIssueRequest = Schemas['CreatePositivePayIssueDto'];
export type StandardErrorBody = Schemas['StandardErrorDto'];
export type ProblemBody = Schemas['ProblemDto'];

/** What the gateway answers: the success schemas of the same document. Money is a decimal string ("1250.00"). */
export type PaymentStatus = Schemas['PaymentStatus'];
export type PaymentType = Schemas['PaymentType'];
/** A payment; its creditor's account number shows its last four digits only. */
export type Payment = Schemas['PaymentDto'];
/** The answer to an ACH request: the batch and its entries, each `P_PENDING` (and `GET /v1/payments/{batch_id}`). */
export type AchBatch = Schemas['AchBatchDto'];
export type PositivePayIssue = Schemas['PositivePayIssueDto'];
export type PositivePayException = Schemas['PositivePayExceptionDto'];
export type PendingApproval = Schemas['PendingApprovalDto'];
export type Account = Schemas['AccountDto'];
export type Transaction = Schemas['TransactionDto'];
export type SyncRun = Schemas['SyncRunDto'];
export type Balance = Schemas['BalanceDto'];

/** The audit fields every resource carries: when, who and which call. */
export type AuditFields = Pick<Payment, 'timestamp' | 'actor' | 'request_id'>;
