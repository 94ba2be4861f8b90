import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Authenticator } from './authenticator.js';
import { CallerRateLimitGuard } from './caller-rate-limit.guard.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { ScopeGuard } from './scope.guard.js';
import { TokenVerifier } from './token-verifier.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

/**
 * Authentication, the caller's rate limit, then scope, for every route, before anything else runs. The
 * `Authenticator` is also used by the HTTP adapter's `onRequest` hook, so that the caller is known before
 * the body is read.
 */
@Module({
  providers: [
    TokenVerifier,
    VerifiedTokenCache,
    Authenticator,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: CallerRateLimitGuard },
    { provide: APP_GUARD, useClass: ScopeGuard },
  ],
  exports: [Authenticator],
})
export class AuthModule {}
