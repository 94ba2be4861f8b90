import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Authenticator } from './authenticator.js';
import { CallerRateLimitGuard } from './caller-rate-limit.guard.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { ScopeGuard } from './scope.guard.js';
import { TokenVerifier } from './token-verifier.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

/** Authentication, the caller's rate limit, then scope, for every route, before anything else runs. */
@Module({
  providers: [
    TokenVerifier,
    VerifiedTokenCache,
    Authenticator,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: CallerRateLimitGuard },
    { provide: APP_GUARD, useClass: ScopeGuard },
  ],
})
export class AuthModule {}
