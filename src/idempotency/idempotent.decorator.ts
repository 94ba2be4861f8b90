import { applyDecorators, HttpCode, SetMetadata, UseInterceptors } from '@nestjs/common';
import { ApiConflictResponse, ApiHeader, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { ProblemDto } from '../docs/error.dto.js';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';

export const IDEMPOTENT = 'gateway:idempotent';

export interface IdempotentOptions {
  /** Names the operation in the record (a key reused for another operation is a mismatch). */
  operation: string;
  /** The request body's DTO: validated before any record is written. */
  dto: new () => object;
  /** The status of a first, successful answer. */
  status: 201 | 202;
}

/** A transactional POST: `Idempotency-Key` required, the record, replays, 409 and 422 (contract §7). */
export const Idempotent = (options: IdempotentOptions): MethodDecorator =>
  applyDecorators(
    SetMetadata(IDEMPOTENT, options),
    HttpCode(options.status),
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: true,
      description: 'A UUID v4 chosen by the caller, the same on every retry of this request',
    }),
    ApiConflictResponse({
      type: ProblemDto,
      description: 'A request with this key is still in flight: poll `GET /v1/payments/{transaction_id}` (`application/problem+json`)',
    }),
    ApiUnprocessableEntityResponse({
      type: ProblemDto,
      description: 'This key was used with a different body (`application/problem+json`)',
    }),
  );
