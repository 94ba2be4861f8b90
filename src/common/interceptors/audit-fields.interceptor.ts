import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { map, type Observable } from 'rxjs';
import { contextOf, type RequestContext } from '../request-context.js';

/**
 * Marks a route whose answer is not stamped here: not a resource (health, metrics), or stamped already
 * (an idempotent route's answer is stamped once, stored, and replayed as it was).
 */
export const NO_AUDIT_FIELDS = Symbol('NO_AUDIT_FIELDS');

type Resource = Record<string, unknown>;

const isObject = (value: unknown): value is Resource => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Stamps the audit fields (`timestamp` UTC with ms, `actor`, `request_id`) on every resource the gateway
 * returns: the body itself, each item of a `{ data: [...] }` list, and each of a batch's `payments`.
 */
@Injectable()
export class AuditFieldsInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    return next.handle().pipe(
      map((body: unknown) => {
        if (Reflect.getMetadata(NO_AUDIT_FIELDS, context.getHandler())) return body;
        return stampAuditFields(body, auditFieldsOf(contextOf(request)));
      }),
    );
  }
}

/** The audit fields every resource of an answer carries. */
export interface AuditFields {
  timestamp: string;
  actor: string;
  request_id: string;
}

/** The audit fields of this call, as of now. */
export const auditFieldsOf = (ctx: RequestContext): AuditFields => ({
  timestamp: new Date().toISOString(),
  actor: ctx.caller?.sub ?? 'anonymous',
  request_id: ctx.requestId,
});

/** The body with these audit fields on each resource in it. */
export function stampAuditFields(body: unknown, fields: AuditFields): unknown {
  if (!isObject(body)) return body;
  const stamp = (resource: Resource): Resource => {
    const stamped: Resource = { ...resource, ...fields };
    if (Array.isArray(resource.payments))
      stamped.payments = (resource.payments as unknown[]).map((p) => (isObject(p) ? { ...p, ...fields } : p));
    return stamped;
  };
  // List items are built afresh for each answer, so they are stamped in place (copying 100 rows costs).
  if (Array.isArray(body.data)) {
    for (const item of body.data as unknown[]) if (isObject(item)) Object.assign(item, fields);
    return body;
  }
  return stamp(body);
}
