import type { FastifyRequest } from 'fastify';

/** The caller, as the auth guard established it. */
export interface Caller {
  sub: string;
  roles: string[];
  scopes: ReadonlySet<string>;
}

/**
 * What the gateway learns about one call as it goes: created when the request arrives, filled in by
 * the guards and services, read by the audit and metrics hooks when the response leaves. It is attached
 * to the request and also held in the async context (nestjs-cls) for code that has no request at hand.
 */
export interface RequestContext {
  requestId: string;
  startedAt: number;
  caller?: Caller;
  scope?: string;
  upstreamRequestId?: string;
  errorCode?: string;
  /** The id of what the call created or acted on, when no path parameter names it. */
  resourceId?: string;
  /** Set once the response hook has logged, counted and audited the call, so that nothing is done twice. */
  completed?: boolean;
}

export const CONTEXT_KEY = 'gateway';

type RawWithContext = { id?: string; gatewayContext?: RequestContext };

/** The context held on the raw request (what middleware sees), created on first use. */
export function contextOfRaw(raw: RawWithContext): RequestContext {
  raw.gatewayContext ??= { requestId: raw.id ?? '', startedAt: Date.now() };
  return raw.gatewayContext;
}

/** The request's context, created on first use. */
export function contextOf(request: FastifyRequest): RequestContext {
  const raw = request.raw as RawWithContext;
  raw.id ??= request.id;
  return contextOfRaw(raw);
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const UUID_V4_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
