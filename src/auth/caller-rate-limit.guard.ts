import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { Clock } from '../common/clock.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { GatewayError } from '../common/errors/gateway-errors.js';
import { contextOf } from '../common/request-context.js';
import { IS_PUBLIC } from './public.decorator.js';

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets of callers idle this long are forgotten (they would be full again anyway). */
const IDLE_MS = 60_000;

/**
 * Protects callers from each other: each caller (JWT `sub`) gets a token bucket of
 * `LIMITS_CALLER_RATE_PER_SECOND` with `LIMITS_CALLER_BURST`; past it, 429 `GW_RATE_LIMITED` with
 * `Retry-After`, before anything else is done for the call. Kept per replica: N replicas behind a load
 * balancer allow a caller about N times the rate in total.
 */
@Injectable()
export class CallerRateLimitGuard implements CanActivate {
  private readonly buckets = new Map<string, Bucket>();
  private sweptAt: number;

  constructor(
    private readonly reflector: Reflector,
    private readonly config: GatewayConfig,
    private readonly clock: Clock,
  ) {
    this.sweptAt = clock.now().getTime();
  }

  canActivate(context: ExecutionContext): boolean {
    const { callerRatePerSecond: rate, callerBurst: burst } = this.config.limits;
    if (rate <= 0 || this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const caller = contextOf(context.switchToHttp().getRequest<FastifyRequest>()).caller;
    if (!caller) return true;
    const now = this.clock.now().getTime();
    this.sweep(now);
    const bucket = this.buckets.get(caller.sub) ?? { tokens: burst, at: now };
    // A clock stood back (tests and sandboxes move it) refills nothing rather than draining the bucket.
    bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * rate);
    bucket.at = now;
    this.buckets.set(caller.sub, bucket);
    if (bucket.tokens < 1) {
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
      throw new GatewayError(429, 'GW_RATE_LIMITED', `Rate limit of ${rate} requests per second exceeded for this caller`, {
        'retry-after': String(retryAfter),
      });
    }
    bucket.tokens -= 1;
    return true;
  }

  private sweep(now: number): void {
    if (now - this.sweptAt < IDLE_MS) return;
    this.sweptAt = now;
    for (const [sub, bucket] of this.buckets) if (now - bucket.at > IDLE_MS) this.buckets.delete(sub);
  }
}
