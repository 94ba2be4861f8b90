import type { AxiosResponse } from 'axios';
import { QBankApiError, QBankError, QBankIdempotencyConflictError, QBankIdempotencyMismatchError, QBankNetworkError } from './errors.js';

/** A response header as a string, whether axios holds headers as a plain object or as `AxiosHeaders`. */
export function headerValue(response: AxiosResponse, name: string): string | null {
  const value = (response.headers as Record<string, unknown>)[name] ?? (response.headers as { get?: (n: string) => unknown }).get?.(name);
  return typeof value === 'string' ? value : null;
}

/** A success body; one that is not JSON is not what QBank sends, so it is a network error. */
export function parseJson<T>(response: AxiosResponse<string>): T {
  try {
    return JSON.parse(response.data) as T;
  } catch {
    throw new QBankNetworkError(`QBank answered ${response.status} with a body that is not JSON`);
  }
}

function tryJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Seconds to wait from a `Retry-After` header: delay-seconds, or an HTTP date (0 when already past). */
export function parseRetryAfter(value: string, now = Date.now()): number | null {
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}

/** Maps an error answer to a typed error; an empty or non-JSON body still yields one. */
export function toError(response: AxiosResponse<string>): QBankError {
  const body = typeof response.data === 'string' ? tryJson(response.data) : null;
  const contentType = headerValue(response, 'content-type') ?? '';
  const requestId = typeof body?.request_id === 'string' ? body.request_id : headerValue(response, 'x-request-id');
  if (body && (contentType.includes('application/problem+json') || 'transaction_id' in body)) {
    const transactionId = typeof body.transaction_id === 'string' ? body.transaction_id : null;
    if (response.status === 409 && transactionId) return new QBankIdempotencyConflictError(transactionId, body, requestId);
    if (response.status === 422) return new QBankIdempotencyMismatchError(transactionId, body, requestId);
  }
  const retryAfterRaw = headerValue(response, 'retry-after');
  const retryAfter = retryAfterRaw ? parseRetryAfter(retryAfterRaw) : null;
  const errorCode = typeof body?.error_code === 'string' ? body.error_code : `HTTP_${response.status}`;
  const message =
    typeof body?.message === 'string'
      ? body.message
      : typeof body?.error_description === 'string'
        ? body.error_description
        : `QBank answered ${response.status} without a readable error body`;
  return new QBankApiError(response.status, errorCode, message, requestId, retryAfter);
}

/** A 2xx answer as it is; any other is thrown as its typed error. */
export function successOrThrow(response: AxiosResponse<string>): AxiosResponse<string> {
  if (response.status >= 200 && response.status < 300) return response;
  throw toError(response);
}

/** A request that got no answer: the transport's own typed error (timeout, unreachable), or a network error. */
export function transportError(error: unknown): QBankError {
  return error instanceof QBankError ? error : new QBankNetworkError(`QBank call failed: ${(error as Error).message}`, error);
}
