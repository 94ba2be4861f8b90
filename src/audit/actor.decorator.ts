import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { contextOf } from '../common/request-context.js';
import { actorOf, type AuditActor } from './audit-event.factory.js';

/** The caller of this request as the audit trail names it, for what the handler changes on its behalf. */
export const Actor = createParamDecorator((_data: unknown, context: ExecutionContext): AuditActor =>
  actorOf(contextOf(context.switchToHttp().getRequest<FastifyRequest>())),
);
