import type { components } from './qbank-connect.schema.js';

export type { components, operations, paths, webhooks } from './qbank-connect.schema.js';
export { loadQBankOpenApi, QBANK_OPENAPI_PATH, type OpenApiDocument } from './openapi-document.js';
export { QBANK_SCOPES, type QBankScope } from './scopes.js';
export { ERROR_CODES, type QBankErrorCode } from './error-codes.js';

type Schemas = components['schemas'];
/** A resource without the audit fields (`timestamp`, `actor`, `request_id`) that each answer stamps on it. */
export type Unstamped<T> = Omit<T, 'timestamp' | 'actor' | 'request_id'>;
export type Account = Schemas['Account'];
export type AccountPage = Schemas['AccountPage'];
export type Balance = Schemas['Balance'];
export type Transaction = Schemas['Transaction'];
export type TransactionPage = Schemas['TransactionPage'];
export type Payment = Schemas['Payment'];
export type PaymentStatus = Schemas['PaymentStatus'];
export type PaymentType = Schemas['PaymentType'];
export type AchBatch = Schemas['AchBatch'];
export type AchBatchRequest = Schemas['AchBatchRequest'];
export type WireRequest = Schemas['WireRequest'];
export type TransferRequest = Schemas['TransferRequest'];
export type PositivePayIssueRequest = Schemas['PositivePayIssueRequest'];
export type PositivePayIssue = Schemas['PositivePayIssue'];
export type PositivePayException = Schemas['PositivePayException'];
export type PositivePayExceptionPage = Schemas['PositivePayExceptionPage'];
export type PositivePayExceptionStatus = Schemas['PositivePayExceptionStatus'];
export type WebhookEvent = Schemas['WebhookEvent'];
export type TokenResponse = Schemas['TokenResponse'];
export type StandardError = Schemas['Error'];
export type Problem = Schemas['Problem'];

/** Final payment statuses: once reached, a payment never changes again. */
export const FINAL_PAYMENT_STATUSES: readonly PaymentStatus[] = ['P_COMPLETED', 'P_FAILED'];

/** The transitions the bank allows (see `PaymentStatus` in the OpenAPI document). */
export const PAYMENT_TRANSITIONS: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  P_PENDING: ['P_PROCESSING', 'P_FAILED'],
  P_PROCESSING: ['P_COMPLETED', 'P_FAILED'],
  P_COMPLETED: [],
  P_FAILED: [],
};
export { canonicalJson } from './canonical-json.js';
