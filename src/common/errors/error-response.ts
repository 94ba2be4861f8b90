import { HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { QBankError } from '#qbank/client';
import { contextOf } from '../request-context.js';
import { GatewayError, GatewayProblem, PayloadTooLargeError, ValidationFailedError } from './gateway-errors.js';
import { fromUpstream } from './upstream-errors.js';

export const PROBLEM_TYPE_BASE = 'https://qbank-gateway.dev/problems/';

export interface ErrorAnswer {
  status: number;
  contentType: 'application/json' | 'application/problem+json';
  headers: Record<string, string>;
  body: Record<string, unknown>;
  errorCode: string;
}

const logger = new Logger('Errors');

/** Nest's and Fastify's own errors, as the gateway's. */
function normalise(error: unknown): GatewayError | GatewayProblem | undefined {
  if (error instanceof GatewayError || error instanceof GatewayProblem) return error;
  if (error instanceof QBankError) return fromUpstream(error);
  const status = error instanceof HttpException ? error.getStatus() : (error as { statusCode?: number }).statusCode;
  if (error instanceof HttpException && error.getStatus() >= 500) {
    const status = error.getStatus();
    return new GatewayError(
      status,
      status === 503 ? 'GW_UNAVAILABLE' : 'GW_INTERNAL',
      status === 503 ? 'Not available: see the report' : 'Internal error',
    );
  }
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  const code = (error as { code?: string }).code;
  if (status === 404) return new GatewayError(404, 'GW_NOT_FOUND', 'No such resource or route');
  if (status === 413) return new PayloadTooLargeError();
  if (status === 415) return new GatewayError(415, 'GW_VALIDATION', 'Unsupported Content-Type: send application/json');
  if (status === 405) return new GatewayError(405, 'GW_NOT_FOUND', 'Method not allowed on this route');
  if (status === 400) {
    const message =
      code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
        ? 'body: must not be empty'
        : error instanceof SyntaxError || code?.startsWith('FST_ERR_CTP')
          ? 'body: is not valid JSON'
          : (error as Error).message;
    return new ValidationFailedError(message);
  }
  return new GatewayError(status, 'GW_VALIDATION', (error as Error).message);
}

/** The answer for any error, in one of the two formats; unexpected errors give 500 without internals. */
export function errorAnswer(error: unknown, requestId: string): ErrorAnswer {
  const known = normalise(error);
  if (known instanceof GatewayProblem) {
    return {
      status: known.status,
      contentType: 'application/problem+json',
      headers: {},
      errorCode: known.type,
      body: {
        type: `${PROBLEM_TYPE_BASE}${known.type}`,
        title: known.title,
        status: known.status,
        detail: known.detail,
        transaction_id: known.transactionId,
        request_id: requestId,
      },
    };
  }
  if (known) {
    return {
      status: known.status,
      contentType: 'application/json',
      headers: known.headers,
      errorCode: known.errorCode,
      body: { message: known.message, error_code: known.errorCode, request_id: requestId },
    };
  }
  logger.error({ err: error, request_id: requestId }, 'unexpected error');
  return {
    status: 500,
    contentType: 'application/json',
    headers: {},
    errorCode: 'GW_INTERNAL',
    body: { message: 'Internal error; quote the request_id to support', error_code: 'GW_INTERNAL', request_id: requestId },
  };
}

export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: unknown,
  extraBody: Record<string, unknown> = {},
): FastifyReply {
  const answer = errorAnswer(error, request.id);
  contextOf(request).errorCode = answer.errorCode;
  return reply
    .code(answer.status)
    .headers(answer.headers)
    .type(answer.contentType)
    .send({ ...extraBody, ...answer.body });
}
