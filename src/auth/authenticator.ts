import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuthMissingError, ValidationFailedError } from '../common/errors/gateway-errors.js';
import { type Caller, contextOf } from '../common/request-context.js';
import { TokenVerifier } from './token-verifier.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

/**
 * Establishes who makes a call, once per request: from the one bearer token it carries, verified in full
 * or found in the cache of tokens verified before. The caller is kept on the request context, where the
 * audit, the guards and the services read it.
 */
@Injectable()
export class Authenticator {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly cache: VerifiedTokenCache,
  ) {}

  /** The request's caller; throws 401 (no or bad token) or 400 (more than one Authorization header). */
  async authenticate(request: FastifyRequest): Promise<Caller> {
    const ctx = contextOf(request);
    if (ctx.caller) return ctx.caller;
    const token = bearerTokenOf(request);
    let caller = this.cache.get(token);
    if (!caller) {
      const verified = await this.verifier.verify(token);
      this.cache.set(token, verified.caller, verified.expiresAt);
      caller = verified.caller;
    }
    ctx.caller = caller;
    return caller;
  }
}

/**
 * The bearer token of a request. Node keeps only the first of repeated Authorization headers, and a proxy
 * may fold them into one with a comma: either way two credentials arrived, and which one the caller meant
 * is not the gateway's guess to make (400).
 */
export function bearerTokenOf(request: FastifyRequest): string {
  const raw = request.raw.rawHeaders;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 13 && raw[i]!.toLowerCase() === 'authorization') count += 1;
  if (count > 1) throw new ValidationFailedError('Authorization: sent more than once; send exactly one bearer token');
  const header = request.headers.authorization;
  if (!header || header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ') throw new AuthMissingError();
  const token = header.slice(7).trim();
  if (token === '') throw new AuthMissingError();
  if (token.includes(',')) throw new ValidationFailedError('Authorization: holds more than one credential; send exactly one bearer token');
  return token;
}
