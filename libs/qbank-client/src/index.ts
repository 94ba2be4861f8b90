export { QBankClient, type QBankClientOptions, type QBankCallObserver, type CallContext, type QBankResult } from './qbank-client.js';
export { QBankClientModule, type QBankClientModuleOptions, QBANK_CLIENT_OPTIONS } from './qbank-client.module.js';
export { createUndiciAdapter, type UndiciAdapterOptions } from './undici-adapter.js';
export { TokenManager } from './token-manager.js';
export { verifyWebhookSignature, type SignatureVerdict, type VerifyOptions } from './webhook-signature.js';
export {
  QBankError,
  QBankApiError,
  QBankIdempotencyConflictError,
  QBankIdempotencyMismatchError,
  QBankNetworkError,
  QBankTimeoutError,
  QBankTokenError,
} from './errors.js';
export { readAhead } from './read-ahead.js';
export { QBankUnavailableError, UpstreamGuard, type UpstreamGuardOptions } from './upstream-guard.js';
