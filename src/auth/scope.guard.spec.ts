import { Reflector } from '@nestjs/core';
import { ScopeMissingError } from '../common/errors/gateway-errors.js';
import { contextOf } from '../common/request-context.js';
import { Public } from './public.decorator.js';
import { AnyCaller, RequireScope } from './require-scope.decorator.js';
import { httpContext } from '../../test/support/execution-context.js';
import { ScopeGuard } from './scope.guard.js';

class Routes {
  @RequireScope('payments.wire.write') wire(): void {}
  @Public() health(): void {}
  @AnyCaller() calendar(): void {}
  undeclared(): void {}
}

const contextFor = (handler: keyof Routes, scopes?: string[]) => httpContext(Routes, handler, scopes && { sub: 'svc', scopes });

describe('ScopeGuard', () => {
  const guard = new ScopeGuard(new Reflector());

  it("lets a caller through whose roles grant the route's scope, and records the scope for the audit", () => {
    const { context, request } = contextFor('wire', ['payments.wire.write', 'payments.read']);
    expect(guard.canActivate(context)).toBe(true);
    expect(contextOf(request as never).scope).toBe('payments.wire.write');
  });

  it('refuses a caller without it (403 naming the scope), and a route that declares none (closed by default)', () => {
    expect(() => guard.canActivate(contextFor('wire', ['payments.read']).context)).toThrow(new ScopeMissingError('payments.wire.write'));
    expect(() => guard.canActivate(contextFor('undeclared', ['payments.wire.write']).context)).toThrow(ScopeMissingError);
  });

  it('lets any authenticated caller through an @AnyCaller() route, whatever its scopes, and nobody else', () => {
    expect(guard.canActivate(contextFor('calendar', []).context)).toBe(true);
    expect(() => guard.canActivate(contextFor('calendar').context)).toThrow(ScopeMissingError);
  });

  it('lets anyone through a @Public() route', () => {
    expect(guard.canActivate(contextFor('health').context)).toBe(true);
  });
});
