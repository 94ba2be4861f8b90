import {
  QBankApiError,
  QBankIdempotencyConflictError,
  QBankIdempotencyMismatchError,
  QBankNetworkError,
  QBankTimeoutError,
  QBankTokenError,
  QBankUnavailableError,
  type QBankError,
} from '#qbank/client';
import {
  GatewayError,
  GatewayProblem,
  UpstreamBadGatewayError,
  UpstreamCredentialsError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from './gateway-errors.js';

const DEFAULT_RETRY_AFTER_SECONDS = 30;
const DEFAULT_RATE_LIMIT_RETRY_AFTER_SECONDS = 1;

/**
 * How a QBank failure reaches the caller: QBank's own codes pass through for what the caller can act on
 * (400, 404, 409, 422, 503); failures that are the gateway's or the bank's problem become 502/504.
 */
export function fromUpstream(error: QBankError): GatewayError | GatewayProblem {
  if (error instanceof QBankIdempotencyConflictError) {
    return new GatewayProblem(409, 'idempotency-conflict', 'Idempotency conflict', error.message, error.transactionId);
  }
  if (error instanceof QBankIdempotencyMismatchError) {
    return new GatewayProblem(422, 'idempotency-key-reuse', 'Idempotency key reused', error.message, error.transactionId);
  }
  if (error instanceof QBankUnavailableError) return new UpstreamUnavailableError(error.message, error.retryAfterSeconds);
  if (error instanceof QBankTimeoutError) return new UpstreamTimeoutError(error.timeoutMs);
  if (error instanceof QBankNetworkError) return new UpstreamBadGatewayError('QBank could not be reached or answered unreadably');
  // Checked before other API errors: a refused token is the gateway's configuration, never the call's refusal.
  if (error instanceof QBankTokenError)
    return new UpstreamCredentialsError(`token request answered ${error.status}: ${error.message}`, error.errorCode);
  if (error instanceof QBankApiError) {
    if (error.status === 503) {
      return new UpstreamUnavailableError(
        `QBank is unavailable: ${error.message}`,
        error.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS,
        error.errorCode,
      );
    }
    if (error.status === 401 || error.status === 403) return new UpstreamCredentialsError(error.message, error.errorCode);
    if (error.status === 429)
      return new GatewayError(429, error.errorCode, `QBank is rate-limiting: ${error.message}`, {
        'retry-after': String(Math.max(1, Math.ceil(error.retryAfterSeconds ?? DEFAULT_RATE_LIMIT_RETRY_AFTER_SECONDS))),
      });
    if (error.status >= 400 && error.status < 500) return new GatewayError(error.status, error.errorCode, error.message);
    return new UpstreamBadGatewayError(
      `QBank failed: ${error.message}`,
      error.errorCode.startsWith('HTTP_') ? 'GW_UPSTREAM_BAD_GATEWAY' : error.errorCode,
    );
  }
  return new UpstreamBadGatewayError('QBank call failed');
}
