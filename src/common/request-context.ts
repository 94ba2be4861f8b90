import type { FastifyRequest } from 'fastify';
import type { EntityManager } from 'typeorm';

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
  /** The id of what the call created or acted on, when no path parameter names it (a new payment's id). */
  resourceId?: string;
  /** Set once the audit event has been recorded (by the response hook, or with a payment in its transaction). */
  audited?: boolean;
  /** Set once the response hook has logged and counted the call, so that no call is counted twice. */
  completed?: boolean;
  /** The audit fields are already on the answer (stored for idempotent replay, or replayed). */
  stamped?: boolean;
  /**
   * The idempotency record this call holds: the key to send QBank, the id of what it creates, and
   * whether the record is new (nothing of it can be stored yet) or taken over from a crashed holder.
   */
  idempotency?: {
    upstreamKey: string;
    resourceId: string;
    callerKey: string;
    fresh: boolean;
    /**
     * Stores the final answer for replay and the call's audit event inside the caller's transaction (the
     * one that records the outcome of the payment), so that the payment, its answer and its audit event
     * commit together. Returns the answer with its audit fields.
     */
    completeWithin?: (manager: EntityManager, body: unknown) => Promise<unknown>;
  };
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
