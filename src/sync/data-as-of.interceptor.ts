import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  SetMetadata,
  UseInterceptors,
  applyDecorators,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DECORATORS, type ResponseObject } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Observable } from 'rxjs';
import { GatewayError } from '../common/errors/gateway-errors.js';
import { ErrorAnswer } from '../docs/error-answers.js';
import type { SyncResource } from './sync-run.entity.js';
import { DataAsOf } from './data-as-of.js';

const SYNCED_RESOURCE = 'gateway:synced-resource';

/**
 * Reads of synced data say how old it is: `X-Data-As-Of` is when the last successful sync of the resource
 * finished; before any, 503 `GW_DATA_NOT_SYNCED`.
 */
@Injectable()
export class DataAsOfInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly dataAsOf: DataAsOf,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const resource = this.reflector.get<SyncResource>(SYNCED_RESOURCE, context.getHandler());
    const asOf = await this.dataAsOf.of(resource);
    if (!asOf)
      throw new GatewayError(503, 'GW_DATA_NOT_SYNCED', `${resource} have not been synced from QBank yet`, { 'retry-after': '60' });
    void context.switchToHttp().getResponse<FastifyReply>().header('x-data-as-of', asOf.toISOString());
    return next.handle();
  }
}

/**
 * `X-Data-As-Of` on the route's 200 answer. Added to whatever the route's `@ApiOkResponse` declares, in either
 * order: `ApiResponse` would replace the answer's schema with none when applied after it.
 */
const DataAsOfHeader: MethodDecorator = (_target, _key, descriptor) => {
  const method = descriptor.value as object;
  const responses = (Reflect.getMetadata(DECORATORS.API_RESPONSE, method) ?? {}) as Record<string, ResponseObject>;
  const ok = responses[200];
  const headers = {
    ...ok?.headers,
    'X-Data-As-Of': {
      description: 'When the last successful sync of this data finished (UTC, ms)',
      schema: { type: 'string', format: 'date-time', example: '2026-11-24T07:31:12.204Z' },
    },
  };
  Reflect.defineMetadata(DECORATORS.API_RESPONSE, { ...responses, 200: { description: '', ...ok, headers } }, method);
};

/** A read served from the store, synced from QBank's batch publication of `resource`. */
export const SyncedData = (resource: SyncResource): MethodDecorator =>
  applyDecorators(
    SetMetadata(SYNCED_RESOURCE, resource),
    UseInterceptors(DataAsOfInterceptor),
    DataAsOfHeader,
    ErrorAnswer(503, 'Not synced from QBank yet (`GW_DATA_NOT_SYNCED`)'),
  );
