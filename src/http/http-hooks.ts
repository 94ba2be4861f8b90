import type { NestFastifyApplication } from '@nestjs/platform-fastify';
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
 * controller runs (401, 403, 404, 413): the request id header, the audit event and the metrics.
 */
export function installHttpHooks(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const writer = app.get(AuditWriter);
  const metrics = app.get(MetricsService);
  const { durableReads, enabled: auditEnabled } = app.get(GatewayConfig).audit;
  const log = app.get(GatewayLogger).pino;
  const shutdown = app.get(ShutdownState, { strict: false });

  fastify.addHook('onRequest', (request, reply, done) => {
    contextOf(request);
    void reply.header('x-request-id', request.id);
    // A NUL anywhere in the path or query would reach a database parameter, which PostgreSQL refuses.
    if (/%00/.test(request.url)) {
      sendError(request, reply, new ValidationFailedError('path or query: holds a NUL character (%00)'));
      return;
    }
    done();
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
