import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ScopeMissingError } from '../common/errors/gateway-errors.js';
import { contextOf } from '../common/request-context.js';
import { IS_PUBLIC } from './public.decorator.js';
import { ANY_CALLER, REQUIRED_SCOPE } from './require-scope.decorator.js';

/**
 * Checks the route's declared scope against the caller's roles. A route that declares none is closed; one
 * declared `@AnyCaller()` needs only an authenticated caller.
 */
@Injectable()
export class ScopeGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const ctx = contextOf(request);
    if (this.reflector.get<boolean | undefined>(ANY_CALLER, context.getHandler())) {
      if (!ctx.caller) throw new ScopeMissingError('(an authenticated caller)');
      return true;
    }
    const scope = this.reflector.get<string | undefined>(REQUIRED_SCOPE, context.getHandler());
    if (!scope) throw new ScopeMissingError('(none declared for this route)');
    ctx.scope = scope;
    if (!ctx.caller?.scopes.has(scope)) throw new ScopeMissingError(scope);
    return true;
  }
}
