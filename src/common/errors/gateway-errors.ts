/**
 * The gateway's own errors. Services and guards throw them; the exception filter writes them in one of
 * the two formats of the bank's spec (standard `{message, error_code, request_id}` or problem+json).
 */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class AuthMissingError extends GatewayError {
  constructor() {
    super(401, 'GW_AUTH_MISSING', 'A bearer token is required', { 'www-authenticate': 'Bearer realm="qbank-gateway"' });
  }
}

export class AuthInvalidError extends GatewayError {
  constructor(reason: string) {
    super(401, 'GW_AUTH_INVALID', `The bearer token is not valid: ${reason}`, {
      'www-authenticate': `Bearer realm="qbank-gateway", error="invalid_token", error_description="${reason.replace(/"/g, "'")}"`,
    });
  }
}

export class ScopeMissingError extends GatewayError {
  constructor(scope: string) {
    super(403, 'GW_SCOPE_MISSING', `Missing scope ${scope}: none of the caller's roles grants it`, {
      'www-authenticate': `Bearer realm="qbank-gateway", error="insufficient_scope", scope="${scope}"`,
    });
  }
}

/** The caller's grants (contract §13) do not cover the account it names. */
export class AccountForbiddenError extends GatewayError {
  constructor(accountId: string, access: 'read' | 'debit') {
    super(403, 'GW_ACCOUNT_FORBIDDEN', `The caller may not ${access} account ${accountId}: no grant in roles.yaml covers it`);
  }
}

export class ValidationFailedError extends GatewayError {
  constructor(message: string) {
    super(400, 'GW_VALIDATION', message);
  }
}

export class NotFoundError extends GatewayError {
  constructor(message: string) {
    super(404, 'GW_NOT_FOUND', message);
  }
}

/** Fastify refuses the body before the gateway sees it, and its error does not carry the limit: the message names the setting. */
export class PayloadTooLargeError extends GatewayError {
  constructor() {
    super(413, 'GW_PAYLOAD_TOO_LARGE', 'The request body is larger than this gateway accepts (BODY_LIMIT_BYTES)');
  }
}

export class UpstreamUnavailableError extends GatewayError {
  constructor(message: string, retryAfterSeconds: number, errorCode = 'GW_UPSTREAM_UNAVAILABLE') {
    super(503, errorCode, message, { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) });
  }
}

/** A caller may retry a QBank failure after a short pause: the breaker decides soon whether QBank is down. */
const UPSTREAM_RETRY_AFTER_SECONDS = '2';

export class UpstreamTimeoutError extends GatewayError {
  constructor(timeoutMs: number) {
    super(504, 'GW_UPSTREAM_TIMEOUT', `QBank did not answer within ${timeoutMs} ms`, { 'retry-after': UPSTREAM_RETRY_AFTER_SECONDS });
  }
}

export class UpstreamBadGatewayError extends GatewayError {
  constructor(message: string, errorCode = 'GW_UPSTREAM_BAD_GATEWAY') {
    super(502, errorCode, message, { 'retry-after': UPSTREAM_RETRY_AFTER_SECONDS });
  }
}

/** QBank refused the gateway's own credentials (its 401/403): not the caller's fault, so 502. */
export class UpstreamCredentialsError extends UpstreamBadGatewayError {
  constructor(message: string, errorCode: string) {
    super(`QBank refused the gateway's credentials: ${message}`, errorCode);
  }
}

/** An RFC 9457 problem (409 in flight, 422 key reused with another body). */
export class GatewayProblem extends Error {
  constructor(
    readonly status: 409 | 422,
    readonly type: string,
    readonly title: string,
    readonly detail: string,
    readonly transactionId: string | null,
  ) {
    super(detail);
  }
}
