import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { contextOf, type Caller } from '../common/request-context.js';
import { IDEMPOTENT, type IdempotentOptions } from './idempotency.metadata.js';

/** A transactional POST as its service sees it: the operation, who calls, with which key, in which request. */
export interface IdempotentCall {
  operation: IdempotentOptions['operation'];
  caller: Caller;
  /** The caller's `Idempotency-Key`, lower-cased (checked by the interceptor before the handler runs). */
  key: string;
  requestId: string;
}

/**
 * What an idempotent route answers: a first answer, or the stored one again (`replayed`, sent with
 * `Idempotent-Replayed: true`). A replay is a value like any other answer, never an exception.
 */
export interface IdempotentAnswer {
  status: number;
  body: unknown;
  replayed: boolean;
  /** The gateway's id of what the request created (named in the call's audit event). */
  resourceId: string;
}

/** The handler's `IdempotentCall` (the route is `@Idempotent`). */
export const Idempotency = createParamDecorator((_data: unknown, context: ExecutionContext): IdempotentCall => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const ctx = contextOf(request);
  const options = Reflect.getMetadata(IDEMPOTENT, context.getHandler()) as IdempotentOptions;
  return {
    operation: options.operation,
    caller: ctx.caller!,
    key: String(request.headers['idempotency-key']).toLowerCase(),
    requestId: ctx.requestId,
  };
});
