import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, type Observable } from 'rxjs';
import { GatewayError } from '../common/errors/gateway-errors.js';
import { contextOf, UUID_V4_PATTERN } from '../common/request-context.js';
import type { IdempotentAnswer } from './idempotent-call.js';

/**
 * The HTTP side of a transactional POST: the `Idempotency-Key` header is required and a UUID v4 (checked
 * before the body is validated); the service's answer leaves with its own status, and a replay with
 * `Idempotent-Replayed: true`. The record itself is the route's service's to claim and complete.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler<IdempotentAnswer>): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const key = request.headers['idempotency-key'];
    if (key === undefined)
      throw new GatewayError(400, 'GW_IDEMPOTENCY_KEY_MISSING', 'Idempotency-Key header is required: a UUID v4, the same on every retry');
    if (typeof key !== 'string' || !UUID_V4_PATTERN.test(key))
      throw new GatewayError(400, 'GW_IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key must be a UUID v4');
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      map((answer) => {
        contextOf(request).resourceId = answer.resourceId;
        void reply.code(answer.status);
        if (answer.replayed) void reply.header('idempotent-replayed', 'true');
        return answer.body;
      }),
    );
  }
}
