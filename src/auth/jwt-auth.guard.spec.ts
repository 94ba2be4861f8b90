import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AuthMissingError } from '../common/errors/gateway-errors.js';
import { type Caller, contextOf } from '../common/request-context.js';
import { httpContext } from '../../test/support/execution-context.js';
import type { Authenticator } from './authenticator.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { Public } from './public.decorator.js';
import { RequireScope } from './require-scope.decorator.js';

class Routes {
  @RequireScope('balances.read') balance(): void {}
  @Public() health(): void {}
}

/** An authenticator that counts its calls and refuses (the request carries no token). */
function refusingAuthenticator(): Authenticator & { calls: number } {
  const fake = {
    calls: 0,
    authenticate: async (_request: FastifyRequest): Promise<Caller> => {
      fake.calls += 1;
      throw new AuthMissingError();
    },
  };
  return fake as unknown as Authenticator & { calls: number };
}

describe('JwtAuthGuard', () => {
  it('reuses the caller the onRequest hook established: no second verification', async () => {
    const authenticator = refusingAuthenticator();
    const { context, request } = httpContext(Routes, 'balance', { sub: 'erp', scopes: ['balances.read'] });
    await expect(new JwtAuthGuard(new Reflector(), authenticator).canActivate(context)).resolves.toBe(true);
    expect(authenticator.calls).toBe(0);
    expect(contextOf(request as never).caller?.sub).toBe('erp');
  });

  it('authenticates itself when no caller was established, so a route is never open by a disagreement', async () => {
    const authenticator = refusingAuthenticator();
    const { context } = httpContext(Routes, 'balance');
    await expect(new JwtAuthGuard(new Reflector(), authenticator).canActivate(context)).rejects.toBeInstanceOf(AuthMissingError);
    expect(authenticator.calls).toBe(1);
  });

  it('lets anyone through a @Public() route', async () => {
    const authenticator = refusingAuthenticator();
    await expect(new JwtAuthGuard(new Reflector(), authenticator).canActivate(httpContext(Routes, 'health').context)).resolves.toBe(true);
    expect(authenticator.calls).toBe(0);
  });
});
