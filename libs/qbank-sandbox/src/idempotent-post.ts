import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES } from '#qbank/contract';
import { SandboxError } from './errors.js';
import { UUID_V4 } from './http-helpers.js';
import { fingerprint } from './idempotency.js';
import type { SandboxState } from './state.js';

export interface IdempotentOperation {
  /** Part of the fingerprint: the same body sent to two operations is two different requests. */
  operation: string;
  scope: string;
  /** The OpenAPI schema the body must match. */
  schema: string;
  /** The status of a new answer (and of its replays). */
  status: number;
}

export type IdempotentRun<B> = (body: B, key: string, clientId: string, id: string, request: FastifyRequest) => Promise<object> | object;

/** The bank's idempotent POST: key checked, body validated, duplicates answered from the record. */
export const idempotentPost =
  <B>(state: SandboxState, { operation, scope, schema, status }: IdempotentOperation, run: IdempotentRun<B>) =>
  async (request: FastifyRequest, reply: FastifyReply) => {
    const clientId = state.tokens.authorize(request, scope).clientId;
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string' || !UUID_V4.test(key)) {
      throw new SandboxError(
        400,
        ERROR_CODES.idempotencyKey,
        key === undefined ? 'Idempotency-Key header is required' : 'Idempotency-Key must be a UUID v4',
      );
    }
    const body = state.validator.assert<B>(schema, request.body);
    const id = randomUUID();
    const store = state.idempotency;
    const start = store.begin(clientId, key, fingerprint(operation, body), id);
    if (start.kind === 'replay') return reply.code(start.status).header('idempotent-replayed', 'true').send(start.body);
    let result: object;
    try {
      result = await run(body, key, clientId, id, request);
    } catch (error) {
      store.abandon(clientId, key);
      throw error;
    }
    store.complete(clientId, key, status, result);
    return reply.code(status).send(result);
  };
