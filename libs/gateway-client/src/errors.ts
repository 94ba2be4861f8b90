import { retryAfterSeconds } from './retry.js';

/** What every error the gateway answers carries, whichever of its two formats it came in. */
export abstract class GatewayError extends Error {
  constructor(
    message: string,
    /** The HTTP status. */
    readonly status: number,
    /** `error_code` of the standard format (`GW_VALIDATION`, `ERR_ACC_001`, …), or a problem's type name (`idempotency-key-reuse`). */
    readonly code: string,
    /** The gateway's `request_id` for this call: quote it to support. */
    readonly requestId: string | undefined,
    /** `Retry-After` in seconds, when the gateway said when to try again. */
    readonly retryAfterSeconds: number | undefined,
    /** The `Idempotency-Key` of the payment this call was for: retry with it, never with a new one. */
    readonly idempotencyKey: string | undefined,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The standard format, `application/json` `{ message, error_code, request_id }`: every error but the idempotency ones. */
export class GatewayApiError extends GatewayError {}

/**
 * RFC 9457 problem details, `application/problem+json` `{ type, title, status, detail, transaction_id, request_id }`:
 * 409 while a request with the same key is in flight, 422 for a key reused with another body.
 */
export class GatewayProblemError extends GatewayError {
  constructor(
    status: number,
    /** The problem type, a URI (`https://…/problems/idempotency-conflict`). */
    readonly type: string,
    readonly title: string,
    readonly detail: string,
    /** The payment (or ACH batch) the key belongs to: poll it with `getPayment`. */
    readonly transactionId: string | null,
    requestId: string | undefined,
    retryAfter: number | undefined,
    idempotencyKey: string | undefined,
  ) {
    super(detail || title, status, type.slice(type.lastIndexOf('/') + 1), requestId, retryAfter, idempotencyKey);
  }
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The typed error for a gateway answer that is not a success; `body` is the answer as openapi-fetch read it (JSON or text). */
export function gatewayError(response: Response, body: unknown, idempotencyKey?: string): GatewayError {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const requestId = text(fields.request_id) ?? response.headers.get('x-request-id') ?? undefined;
  const retryAfter = retryAfterSeconds(response.headers.get('retry-after'));
  if (response.headers.get('content-type')?.startsWith('application/problem+json')) {
    return new GatewayProblemError(
      response.status,
      text(fields.type) ?? 'about:blank',
      text(fields.title) ?? response.statusText,
      text(fields.detail) ?? '',
      text(fields.transaction_id) ?? null,
      requestId,
      retryAfter,
      idempotencyKey,
    );
  }
  // An answer from something in front of the gateway (a proxy's 502 page) has neither field.
  const message = text(fields.message) ?? (text(body) || `HTTP ${response.status}`);
  return new GatewayApiError(
    message,
    response.status,
    text(fields.error_code) ?? `HTTP_${response.status}`,
    requestId,
    retryAfter,
    idempotencyKey,
  );
}
