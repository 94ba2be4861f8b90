import type { ExecutionContext } from '@nestjs/common';
import { contextOf } from '../../src/common/request-context.js';

/**
 * An execution context as Nest builds it for an HTTP call to `handler` of `controller`, made by a caller
 * with `scopes` (none: unauthenticated), for specs that call a guard directly.
 */
export function httpContext<C extends object>(
  controller: new () => C,
  handler: keyof C,
  caller?: { sub: string; scopes?: string[] },
): { context: ExecutionContext; request: object } {
  const request = { raw: {}, id: 'req-1' };
  if (caller) contextOf(request as never).caller = { sub: caller.sub, roles: [], scopes: new Set(caller.scopes ?? []) };
  const context = {
    getHandler: () => controller.prototype[handler],
    getClass: () => controller,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
  return { context, request };
}
