import { createHash, randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RequestContext } from '../common/request-context.js';
import { AuditEvent, type AuditKind, type AuditOutcome } from './audit-event.entity.js';

/** The actor of work nobody called for: the scheduler's syncs, the recovery job, the sweeps. */
export const SYSTEM_ACTOR = 'system';

/**
 * Who a change to a record is attributed to in the audit trail: the caller whose call caused it (with the
 * call's request id), QBank for its webhooks, or the gateway itself (`system`).
 */
export interface AuditActor {
  sub: string;
  roles?: readonly string[];
  requestId?: string;
  upstreamRequestId?: string | null;
}

export const SYSTEM: AuditActor = { sub: SYSTEM_ACTOR };

/** QBank, for what its webhooks change. */
export const QBANK: AuditActor = { sub: 'qbank' };

/** The actor of the current call. */
export const actorOf = (ctx: RequestContext): AuditActor => ({
  sub: ctx.caller?.sub ?? 'anonymous',
  roles: ctx.caller?.roles ?? [],
  requestId: ctx.requestId,
  upstreamRequestId: ctx.upstreamRequestId ?? null,
});

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

/** The audit event of one call, from what the request context gathered along the way and the reply. */
export function auditEventFor(request: FastifyRequest, reply: FastifyReply, ctx: RequestContext): AuditEvent {
  const route = request.routeOptions.url ?? null;
  const params = request.params as Record<string, string> | undefined;
  const firstParam = params ? Object.values(params)[0] : undefined;
  const key = request.headers['idempotency-key'];
  const code = reply.statusCode;
  const raw = (request as FastifyRequest & { rawBody?: Buffer }).rawBody;
  return Object.assign(blankEvent(), {
    kind: 'call',
    occurredAt: new Date(ctx.startedAt),
    actor: ctx.caller?.sub ?? (route === WEBHOOK_ROUTE ? 'qbank' : 'anonymous'),
    roles: ctx.caller?.roles.join(',') ?? '',
    method: request.method,
    route,
    path: request.url.length > 2000 ? request.url.slice(0, 2000) : request.url,
    action: `${request.method} ${route ?? '(no route)'}`,
    scope: ctx.scope ?? null,
    resourceType: resourceTypeOf(route),
    resourceId: ctx.resourceId ?? (typeof firstParam === 'string' ? firstParam.slice(0, 200) : null),
    status: code,
    outcome: outcomeOf(code),
    errorCode: code >= 400 ? (ctx.errorCode ?? null) : null,
    latencyMs: Math.round(reply.elapsedTime * 1000) / 1000,
    requestId: ctx.requestId,
    upstreamRequestId: ctx.upstreamRequestId ?? null,
    idempotencyKey: typeof key === 'string' ? key.slice(0, 100) : null,
    // The digest of the bytes the caller sent (kept by the JSON parser): exact, and no walk over a hostile body.
    bodySha256: raw && raw.length > 0 ? createHash('sha256').update(raw).digest('hex') : null,
    clientIp: request.ip ?? null,
  } satisfies Partial<AuditEvent>);
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
  by?: AuditActor;
  at?: Date;
}): AuditEvent {
  const by = fields.by ?? SYSTEM;
  return Object.assign(blankEvent(), {
    kind: fields.kind,
    occurredAt: fields.at ?? new Date(),
    actor: by.sub,
    roles: by.roles?.join(',') ?? '',
    action: fields.action,
    resourceType: fields.resourceType,
    resourceId: fields.resourceId,
    outcome: fields.outcome ?? 'success',
    requestId: by.requestId ?? randomUUID(),
    upstreamRequestId: by.upstreamRequestId ?? null,
    detail: fields.detail ? JSON.stringify(fields.detail).slice(0, 2000) : null,
  } satisfies Partial<AuditEvent>);
}

/** A new event with its id and every optional column empty (the chain columns are the ledger's to fill). */
function blankEvent(): AuditEvent {
  return Object.assign(new AuditEvent(), {
    id: randomUUID(),
    method: null,
    route: null,
    path: null,
    scope: null,
    resourceType: null,
    resourceId: null,
    status: null,
    errorCode: null,
    latencyMs: null,
    upstreamRequestId: null,
    idempotencyKey: null,
    bodySha256: null,
    clientIp: null,
    detail: null,
    chainId: null,
    chainSeq: null,
    prevHash: null,
    hash: null,
  } satisfies Partial<AuditEvent>);
}
