import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { CallerRateLimitGuard } from './caller-rate-limit.guard.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { JwtStrategy } from './jwt.strategy.js';
import { ScopeGuard } from './scope.guard.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

/** Authentication, the caller's rate limit, then scope, for every route, before anything else runs. */
@Module({
  imports: [PassportModule],
  providers: [
    JwtStrategy,
    VerifiedTokenCache,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: CallerRateLimitGuard },
    { provide: APP_GUARD, useClass: ScopeGuard },
  ],
})
export class AuthModule {}
