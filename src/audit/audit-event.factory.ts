import { createHash, randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RequestContext } from '../common/request-context.js';
import { canonicalJson } from '#qbank/contract';
import { AuditEvent, type AuditOutcome } from './audit-event.entity.js';

export function outcomeOf(status: number): AuditOutcome {
  if (status < 400) return 'success';
  if (status === 401 || status === 403) return 'denied';
  if (status >= 502 && status <= 504) return 'upstream_error';
  if (status >= 500) return 'error';
  return 'client_error';
}

/** The audit event of one finished call, from what the request context gathered along the way. */
export function auditEventFor(request: FastifyRequest, reply: FastifyReply, ctx: RequestContext): AuditEvent {
  const route = request.routeOptions.url ?? null;
  const params = request.params as Record<string, string> | undefined;
  const firstParam = params ? Object.values(params)[0] : undefined;
  const key = request.headers['idempotency-key'];
  const event = new AuditEvent();
  event.id = randomUUID();
  event.occurredAt = new Date(ctx.startedAt);
  event.actor = ctx.caller?.sub ?? 'anonymous';
  event.roles = ctx.caller?.roles.join(',') ?? '';
  event.method = request.method;
  event.route = route;
  event.path = request.url.length > 2000 ? request.url.slice(0, 2000) : request.url;
  event.action = `${request.method} ${route ?? '(no route)'}`;
  event.scope = ctx.scope ?? null;
  event.resourceId = typeof firstParam === 'string' ? firstParam.slice(0, 200) : null;
  event.status = reply.statusCode;
  event.outcome = outcomeOf(reply.statusCode);
  event.errorCode = reply.statusCode >= 400 ? (ctx.errorCode ?? null) : null;
  event.latencyMs = Math.round(reply.elapsedTime * 1000) / 1000;
  event.requestId = ctx.requestId;
  event.upstreamRequestId = ctx.upstreamRequestId ?? null;
  event.idempotencyKey = typeof key === 'string' ? key.slice(0, 100) : null;
  event.bodySha256 =
    request.body === undefined || request.body === null ? null : createHash('sha256').update(canonicalJson(request.body)).digest('hex');
  event.clientIp = request.ip ?? null;
  return event;
}
