import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ERROR_CODES } from '#qbank/contract';
import { isoDateTime } from './data/calendar.js';
import { SandboxError } from './errors.js';
import { pathOf } from './http-helpers.js';
import type { SandboxState } from './state.js';
import { clientIdOf } from './tokens.js';

const isQBankCall = (request: FastifyRequest): boolean => request.url.startsWith('/v1/');

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * What happens around every QBank call: the request id echoed, maintenance, an armed fault, the configured
 * latency before QBank acts and the answer delay after, and the request log. Admin routes only get the request id.
 */
export function registerHooks(app: FastifyInstance, state: SandboxState): void {
  const { settings } = state;

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    if (!isQBankCall(request)) return;
    if (state.maintenance) {
      throw new SandboxError(503, ERROR_CODES.maintenance, 'QBank Connect is in scheduled maintenance', {
        'Retry-After': String(settings.maintenanceRetryAfterSeconds),
      });
    }
    const fault = state.faults.take(request.method, pathOf(request));
    if (fault) throw fault;
    if (settings.latencyMs > 0) await sleep(settings.latencyMs);
  });

  app.addHook('onSend', async (request) => {
    if (settings.answerDelayMs > 0 && isQBankCall(request)) await sleep(settings.answerDelayMs);
  });

  app.addHook('onResponse', async (request, reply) => {
    state.requestCount += 1;
    if (!isQBankCall(request)) return;
    const key = request.headers['idempotency-key'];
    state.requestLog.add({
      at: isoDateTime(Date.now()),
      method: request.method,
      path: pathOf(request),
      status: reply.statusCode,
      request_id: request.id,
      idempotency_key: typeof key === 'string' ? key : null,
      client_id: clientIdOf(request),
    });
  });
}
