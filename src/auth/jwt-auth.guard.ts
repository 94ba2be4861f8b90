import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { contextOf } from '../common/request-context.js';
import { Authenticator } from './authenticator.js';
import { IS_PUBLIC } from './public.decorator.js';

/**
 * The global default-deny guard: every route needs a valid bearer token unless it is `@Public()`.
 * The caller is normally established before the body is read (the HTTP adapter's `onRequest` hook, see
 * `installHttpHooks`); the guard then only checks that it was, and authenticates itself otherwise, so a
 * route is never open because the hook and the route disagreed about it.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!contextOf(request).caller) await this.authenticator.authenticate(request);
    return true;
  }
}
