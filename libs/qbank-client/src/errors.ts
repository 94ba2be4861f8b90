/** Every failure of a QBank call is one of these; the gateway maps them to its two error formats. */
export abstract class QBankError extends Error {
  abstract readonly kind: string;
  /** QBank's `X-Request-ID` of the failed call, when it answered. */
  readonly upstreamRequestId: string | null;

  constructor(message: string, upstreamRequestId: string | null) {
    super(message);
    this.name = new.target.name;
    this.upstreamRequestId = upstreamRequestId;
  }
}

/** QBank answered with its standard error format (or an error body that could not be read). */
export class QBankApiError extends QBankError {
  readonly kind = 'api' as const;

  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly requestId: string | null,
    /** Seconds from `Retry-After`, when QBank sent one. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message, requestId);
  }

  get isMaintenance(): boolean {
    return this.status === 503;
  }
}

/**
 * QBank refused the client's token request (a 4xx other than 429: bad credentials, a scope it does not grant):
 * the gateway's own configuration, never a refusal of the call it wanted the token for.
 */
export class QBankTokenError extends QBankApiError {}

/** 409 `application/problem+json`: the same key is still being processed; poll `transaction_id`. */
export class QBankIdempotencyConflictError extends QBankError {
  readonly kind = 'idempotency-conflict' as const;

  constructor(
    readonly transactionId: string,
    readonly problem: Record<string, unknown>,
    requestId: string | null,
  ) {
    super(typeof problem.detail === 'string' ? problem.detail : 'A request with this Idempotency-Key is still being processed', requestId);
  }
}

/** 422 `application/problem+json`: the key was used before with a different body. */
export class QBankIdempotencyMismatchError extends QBankError {
  readonly kind = 'idempotency-mismatch' as const;

  constructor(
    readonly transactionId: string | null,
    readonly problem: Record<string, unknown>,
    requestId: string | null,
  ) {
    super(typeof problem.detail === 'string' ? problem.detail : 'The Idempotency-Key was used with a different request', requestId);
  }
}

/** No usable answer: connection refused or reset, DNS, or a body that is not what QBank sends. */
export class QBankNetworkError extends QBankError {
  readonly kind = 'network' as const;

  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message, null);
  }
}

/** QBank did not answer within the call's timeout; the outcome of a POST is unknown. */
export class QBankTimeoutError extends QBankError {
  readonly kind = 'timeout' as const;

  constructor(readonly timeoutMs: number) {
    super(`QBank did not answer within ${timeoutMs} ms`, null);
  }
}
