import { applyDecorators, SetMetadata } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { DECORATORS } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ErrorAnswer, URL_NUL } from '../docs/error-answers.js';

export const IS_PUBLIC = 'gateway:public';

/** The Fastify route config of a route open to unauthenticated callers. */
export const PUBLIC_ROUTE_CONFIG = { gatewayPublic: true } as const;

/**
 * The operation's own OpenAPI `security`, merged into its operation metadata: `@nestjs/swagger`'s
 * `ApiSecurity` cannot say `[]` (an empty list is dropped), and an open route must say so.
 */
const OperationSecurity =
  (security: Record<string, string[]>[]): MethodDecorator =>
  (_target: object, _key: string | symbol, descriptor: PropertyDescriptor): void => {
    const method = descriptor.value as object;
    const operation = (Reflect.getMetadata(DECORATORS.API_OPERATION, method) ?? {}) as object;
    Reflect.defineMetadata(DECORATORS.API_OPERATION, { ...operation, security }, method);
  };

/**
 * Opens a route to unauthenticated callers: only health, docs, metrics and the QBank webhook. It tells both
 * the guards (Nest metadata) and the `onRequest` hook that authenticates before the body is read (Fastify's
 * route config, the only thing known about a route that early). Methods only: Nest gives Fastify the route
 * config of the handler, not of its class. The document says what the route checks instead of a bearer
 * token: nothing (`security: []`), or the scheme named by `checkedBy` (the webhook's signature).
 */
export const Public = (checkedBy?: string): MethodDecorator =>
  applyDecorators(
    SetMetadata(IS_PUBLIC, true),
    RouteConfig(PUBLIC_ROUTE_CONFIG),
    OperationSecurity(checkedBy ? [{ [checkedBy]: [] }] : []),
    ErrorAnswer(400, URL_NUL),
  );

/** Whether the route a request matched is open without a token; an unknown route is not. */
export function isPublicRoute(request: FastifyRequest): boolean {
  return (request.routeOptions.config as { gatewayPublic?: boolean } | undefined)?.gatewayPublic === true;
}
