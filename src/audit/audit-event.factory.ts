import { createHash, randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RequestContext } from '../common/request-context.js';
import { AuditEvent, type AuditKind, type AuditOutcome } from './audit-event.entity.js';

/** The actor of work nobody called for: the scheduler's syncs, the sweeps. */
export const SYSTEM_ACTOR = 'system';

/** QBank's deliveries are attributed to `qbank`, even those refused before the controller ran. */
const WEBHOOK_ROUTE = '/v1/webhooks/qbank';

export function outcomeOf(status: number): AuditOutcome {
  if (status < 400) return 'success';
  if (status === 401 || status === 403) return 'denied';
  if (status >= 502 && status <= 504) return 'upstream_error';
  if (status >= 500) return 'error';
  return 'client_error';
}

/** The resource a route acts on, named for auditors (`payment`, `account`, …), from its first path segment after `/v1`. */
function resourceTypeOf(route: string | null): string | null {
  const segment = route?.split('/')[2];
  if (!segment) return null;
  return segment.replace(/s$/, '').slice(0, 32);
}

/**
 * The audit event of one call, from what the request context gathered along the way. `status` defaults
 * to the reply's; a service that records the event inside its own transaction (money movement) passes
 * the status it is about to answer with.
 */
export function auditEventFor(request: FastifyRequest, reply: FastifyReply | undefined, ctx: RequestContext, status?: number): AuditEvent {
  const route = request.routeOptions.url ?? null;
  const params = request.params as Record<string, string> | undefined;
  const firstParam = params ? Object.values(params)[0] : undefined;
  const key = request.headers['idempotency-key'];
  const code = status ?? reply?.statusCode ?? 200;
  const event = new AuditEvent();
  event.id = randomUUID();
  event.kind = 'call';
  event.occurredAt = new Date(ctx.startedAt);
  event.actor = ctx.caller?.sub ?? (route === WEBHOOK_ROUTE ? 'qbank' : 'anonymous');
  event.roles = ctx.caller?.roles.join(',') ?? '';
  event.method = request.method;
  event.route = route;
  event.path = request.url.length > 2000 ? request.url.slice(0, 2000) : request.url;
  event.action = `${request.method} ${route ?? '(no route)'}`;
  event.scope = ctx.scope ?? null;
  event.resourceType = resourceTypeOf(route);
  event.resourceId = ctx.resourceId ?? (typeof firstParam === 'string' ? firstParam.slice(0, 200) : null);
  event.status = code;
  event.outcome = outcomeOf(code);
  event.errorCode = code >= 400 ? (ctx.errorCode ?? null) : null;
  event.latencyMs = reply ? Math.round(reply.elapsedTime * 1000) / 1000 : Date.now() - ctx.startedAt;
  event.requestId = ctx.requestId;
  event.upstreamRequestId = ctx.upstreamRequestId ?? null;
  event.idempotencyKey = typeof key === 'string' ? key.slice(0, 100) : null;
  // The digest of the bytes the caller sent (kept by the JSON parser): exact, and no walk over a hostile body.
  const raw = (request as FastifyRequest & { rawBody?: Buffer }).rawBody;
  event.bodySha256 = raw && raw.length > 0 ? createHash('sha256').update(raw).digest('hex') : null;
  event.clientIp = request.ip ?? null;
  event.detail = null;
  event.chainId = null;
  event.chainSeq = null;
  event.prevHash = null;
  event.hash = null;
  return event;
}

/**
 * An event that is not a call: a change to a financial record or a run of scheduled work, attributed to
 * the call that caused it (its actor and request id) or to `system`.
 */
export function recordEvent(fields: {
  kind: Exclude<AuditKind, 'call'>;
  action: string;
  resourceType: string;
  resourceId: string;
  outcome?: AuditOutcome;
  detail?: Record<string, unknown>;
  ctx?: RequestContext;
  actor?: string;
  at?: Date;
}): AuditEvent {
  const event = new AuditEvent();
  event.id = randomUUID();
  event.kind = fields.kind;
  event.occurredAt = fields.at ?? new Date();
  event.actor = fields.actor ?? fields.ctx?.caller?.sub ?? SYSTEM_ACTOR;
  event.roles = fields.ctx?.caller?.roles.join(',') ?? '';
  event.method = null;
  event.route = null;
  event.path = null;
  event.action = fields.action;
  event.scope = null;
  event.resourceType = fields.resourceType;
  event.resourceId = fields.resourceId;
  event.status = null;
  event.outcome = fields.outcome ?? 'success';
  event.errorCode = null;
  event.latencyMs = null;
  event.requestId = fields.ctx?.requestId ?? randomUUID();
  event.upstreamRequestId = fields.ctx?.upstreamRequestId ?? null;
  event.idempotencyKey = null;
  event.bodySha256 = null;
  event.clientIp = null;
  event.detail = fields.detail ? JSON.stringify(fields.detail).slice(0, 2000) : null;
  event.chainId = null;
  event.chainSeq = null;
  event.prevHash = null;
  event.hash = null;
  return event;
}
