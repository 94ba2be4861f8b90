import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { ERROR_CODES } from '#qbank/contract';
import { registerAdminRoutes } from './admin-routes.js';
import { SandboxError, sendError } from './errors.js';
import { registerHooks } from './hooks.js';
import { pathOf, UUID } from './http-helpers.js';
import { registerQBankRoutes } from './qbank-routes.js';
import type { SandboxSettings } from './settings.js';
import { SandboxState } from './state.js';

/** The sandbox: QBank's API under `/v1` and the sandbox's own controls under `/sandbox`, over one shared state. */
export function buildSandboxApp(settings: SandboxSettings): { app: FastifyInstance; shutdown: () => void } {
  const app = Fastify({
    logger: false,
    bodyLimit: 2 * 1024 * 1024,
    genReqId: (req) => {
      const sent = req.headers['x-request-id'];
      return typeof sent === 'string' && UUID.test(sent) ? sent : randomUUID();
    },
  });
  const state = new SandboxState(settings);

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, new SandboxError(404, ERROR_CODES.routeNotFound, `No route ${request.method} ${pathOf(request)}`)),
  );
  registerHooks(app, state);
  registerQBankRoutes(app, state);
  registerAdminRoutes(app, state);

  return { app, shutdown: () => state.close() };
}
