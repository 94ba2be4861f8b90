import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES, type QBankErrorCode } from '#qbank/contract';

/** An error the sandbox answers in QBank's standard format. */
export class SandboxError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: QBankErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** An idempotency problem (409 in flight, 422 body mismatch), `application/problem+json`. */
export class SandboxProblem extends Error {
  constructor(
    readonly status: 409 | 422,
    readonly transactionId: string,
  ) {
    super(status === 409 ? 'There is already a request with this key being processed' : 'This key was used with a different request body');
  }
}

export const notFound = (what: 'account' | 'payment' | 'issue', id: string): SandboxError =>
  new SandboxError(
    404,
    what === 'account' ? ERROR_CODES.accountNotFound : what === 'payment' ? ERROR_CODES.paymentNotFound : ERROR_CODES.issueNotFound,
    `No ${what} with id ${id}`,
  );

export const invalid = (message: string): SandboxError => new SandboxError(400, ERROR_CODES.validation, message);

export function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof SandboxProblem) {
    const slug = error.status === 409 ? 'idempotency-conflict' : 'idempotency-key-reuse';
    return reply
      .code(error.status)
      .type('application/problem+json')
      .send({
        type: `https://api.qbank.example/problems/${slug}`,
        title: error.status === 409 ? 'Idempotency conflict' : 'Idempotency key reused',
        status: error.status,
        detail: error.message,
        transaction_id: error.transactionId,
        request_id: request.id,
      });
  }
  if (error instanceof SandboxError) {
    return reply
      .code(error.status)
      .headers(error.headers)
      .type('application/json')
      .send({ ...error.extra, message: error.message, error_code: error.errorCode, request_id: request.id });
  }
  const fastifyError = error as { statusCode?: number; code?: string; message?: string };
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    // Fastify's own refusals: malformed JSON, wrong content type, body too large.
    return reply
      .code(fastifyError.statusCode)
      .type('application/json')
      .send({
        message: fastifyError.message ?? 'Bad request',
        error_code: ERROR_CODES.validation,
        request_id: request.id,
      });
  }
  request.log.error({ err: error }, 'sandbox internal error');
  return reply
    .code(500)
    .type('application/json')
    .send({ message: 'Internal error', error_code: ERROR_CODES.internal, request_id: request.id });
}
