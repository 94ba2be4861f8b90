import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { AuthInvalidError, AuthMissingError, GatewayError } from '../common/errors/gateway-errors.js';
import { type Caller, contextOf } from '../common/request-context.js';
import { IS_PUBLIC } from './public.decorator.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

/**
 * The global default-deny guard: every route needs a valid bearer token unless it is `@Public()`.
 * A token string verified once is remembered until it expires, so repeated calls skip the signature check.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly cache: VerifiedTokenCache,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Caller }>();
    const token = bearerToken(request.headers.authorization);
    const cached = token ? this.cache.get(token) : undefined;
    if (cached) {
      request.user = cached;
      contextOf(request).caller = cached;
      return true;
    }
    await (super.canActivate(context) as Promise<boolean>);
    const caller = request.user!;
    contextOf(request).caller = caller;
    if (token) this.cache.set(token, caller);
    return true;
  }

  override handleRequest<TUser = Caller>(error: unknown, user: TUser | false, info: unknown): TUser {
    if (error instanceof GatewayError) throw error;
    if (user) return user;
    const message = info instanceof Error ? info.message : typeof info === 'string' ? info : '';
    if (/no auth token/i.test(message)) throw new AuthMissingError();
    if (info instanceof Error && info.name === 'TokenExpiredError') throw new AuthInvalidError('token expired');
    throw new AuthInvalidError(message || 'unverifiable token');
  }
}

function bearerToken(header: string | undefined): string | undefined {
  if (!header || header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  return header.slice(7).trim();
}
