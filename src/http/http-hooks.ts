import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Authenticator } from '../auth/authenticator.js';
import { isPublicRoute, PUBLIC_ROUTE_CONFIG } from '../auth/public.decorator.js';
import { AuditWriter } from '../audit/audit-writer.service.js';
import { auditEventFor } from '../audit/audit-event.factory.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { ShutdownState } from '../health/shutdown-state.js';
import { GatewayLogger } from '../logging/gateway-logger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ValidationFailedError } from '../common/errors/gateway-errors.js';
import { sendError } from '../common/errors/error-response.js';
import { contextOf } from '../common/request-context.js';

/**
 * Hooks on the HTTP adapter, where every response passes — including those refused before any
 * controller runs (400, 401, 403, 404, 413, 415): the request id header, the caller, the audit event and
 * the metrics.
 */
export function installHttpHooks(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const writer = app.get(AuditWriter);
  const metrics = app.get(MetricsService);
  const authenticator = app.get(Authenticator);
  const { durableReads, enabled: auditEnabled } = app.get(GatewayConfig).audit;
  const log = app.get(GatewayLogger).pino;
  const shutdown = app.get(ShutdownState, { strict: false });

  // The caller is established here, before Fastify looks at the content type, the body's size or its JSON:
  // a call without a valid token is refused 401 whatever else is wrong with it, and every later refusal
  // (400, 404, 413, 415) is audited with the caller who made it. The guards reuse this caller.
  fastify.addHook('onRequest', async (request, reply) => {
    contextOf(request);
    void reply.header('x-request-id', request.id);
    if (!isPublicRoute(request)) {
      try {
        await authenticator.authenticate(request);
      } catch (error) {
        return sendError(request, reply, error);
      }
    }
    // A NUL anywhere in the path or query would reach a database parameter, which PostgreSQL refuses.
    if (/%00/.test(request.url)) return sendError(request, reply, new ValidationFailedError('path or query: holds a NUL character (%00)'));
  });

  fastify.addHook('onSend', async (request, reply, payload) => {
    // Draining: every answer closes its connection, so keep-alive clients reconnect to another replica.
    if (shutdown.shuttingDown) void reply.header('connection', 'close');
    const ctx = contextOf(request);
    if (ctx.completed) return payload;
    ctx.completed = true;
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observeHttp(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
    // One line per request: method, route pattern, status, time — never headers, bodies or query strings.
    log.info(
      {
        request_id: ctx.requestId,
        actor: ctx.caller?.sub,
        method: request.method,
        route,
        status: reply.statusCode,
        latency_ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request completed',
    );
    if (!auditEnabled || route === '/metrics' || route.startsWith('/health')) return payload;
    const event = auditEventFor(request, reply, ctx);
    if (durableReads || request.method !== 'GET') await writer.recordDurably(event);
    else writer.record(event);
    return payload;
  });

  // Everything queued is written before the database closes.
  fastify.addHook('onClose', async () => writer.flush());
}

/**
 * Registers routes that `register` adds to Fastify itself, outside Nest's controllers (the OpenAPI UI and
 * its assets, which Nest's guards never covered), as public: each is marked as it is added, plugins loaded
 * in the meantime included, so that nobody keeps a list of their paths.
 */
export async function registerPublicRoutes(app: NestFastifyApplication, register: () => void): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  let open = true;
  fastify.addHook('onRoute', (route) => {
    if (open) route.config = { ...route.config, ...PUBLIC_ROUTE_CONFIG };
  });
  try {
    register();
    await fastify.after();
  } finally {
    open = false;
  }
}
