import { jest } from '@jest/globals';
import { Reflector } from '@nestjs/core';
import { Clock } from '../common/clock.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import { httpContext } from '../../test/support/execution-context.js';
import { CallerRateLimitGuard } from './caller-rate-limit.guard.js';
import { Public } from './public.decorator.js';

class Routes {
  read(): void {}
  @Public() health(): void {}
}

const config = { limits: { callerRatePerSecond: 2, callerBurst: 3 } } as GatewayConfig;

describe('CallerRateLimitGuard (a token bucket per caller)', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-11-24T15:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('lets a caller burst, then answers 429 with Retry-After until its bucket refills', () => {
    const guard = new CallerRateLimitGuard(new Reflector(), config, new Clock());
    const call = (sub = 'erp') => guard.canActivate(httpContext(Routes, 'read', { sub }).context);
    expect([call(), call(), call()]).toEqual([true, true, true]);
    expect(call).toThrow(expect.objectContaining({ status: 429, errorCode: 'GW_RATE_LIMITED', headers: { 'retry-after': '1' } }));
    expect(call('payroll')).toBe(true); // callers do not share a bucket
    jest.advanceTimersByTime(500); // one token back at 2 per second
    expect(call()).toBe(true);
    expect(call).toThrow(expect.objectContaining({ status: 429 }));
  });

  it('a clock stood back (tests and sandboxes move it) neither refills nor drains the bucket', () => {
    const guard = new CallerRateLimitGuard(new Reflector(), config, new Clock());
    const call = () => guard.canActivate(httpContext(Routes, 'read', { sub: 'erp' }).context);
    expect([call(), call(), call()]).toEqual([true, true, true]);
    jest.setSystemTime(new Date('2026-11-24T14:00:00Z')); // an hour back
    expect(call).toThrow(expect.objectContaining({ status: 429 }));
    jest.advanceTimersByTime(500); // one token back at 2 per second, counted from there
    expect(call()).toBe(true);
  });

  it('leaves public routes, unauthenticated calls and a switched-off limit alone', () => {
    const guard = new CallerRateLimitGuard(new Reflector(), config, new Clock());
    for (let i = 0; i < 10; i += 1) {
      expect(guard.canActivate(httpContext(Routes, 'health', { sub: 'probe' }).context)).toBe(true);
      expect(guard.canActivate(httpContext(Routes, 'read').context)).toBe(true);
    }
    const off = new CallerRateLimitGuard(
      new Reflector(),
      { limits: { callerRatePerSecond: 0, callerBurst: 1 } } as GatewayConfig,
      new Clock(),
    );
    for (let i = 0; i < 10; i += 1) expect(off.canActivate(httpContext(Routes, 'read', { sub: 'erp' }).context)).toBe(true);
  });
});
