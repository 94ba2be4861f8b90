import { applyDecorators, SetMetadata } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';

export const IS_PUBLIC = 'gateway:public';

/** The Fastify route config of a route open to unauthenticated callers. */
export const PUBLIC_ROUTE_CONFIG = { gatewayPublic: true } as const;

/**
 * Opens a route to unauthenticated callers: only health, docs, metrics and the QBank webhook. It tells both
 * the guards (Nest metadata) and the `onRequest` hook that authenticates before the body is read (Fastify's
 * route config, the only thing known about a route that early). Methods only: Nest gives Fastify the route
 * config of the handler, not of its class.
 */
export const Public = (): MethodDecorator => applyDecorators(SetMetadata(IS_PUBLIC, true), RouteConfig(PUBLIC_ROUTE_CONFIG));

/** Whether the route a request matched is open without a token; an unknown route is not. */
export function isPublicRoute(request: FastifyRequest): boolean {
  return (request.routeOptions.config as { gatewayPublic?: boolean } | undefined)?.gatewayPublic === true;
}
