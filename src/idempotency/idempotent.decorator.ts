import { applyDecorators, HttpCode, SetMetadata, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { NO_AUDIT_FIELDS } from '../common/interceptors/audit-fields.interceptor.js';
import { ErrorAnswer, JsonBodyAnswers } from '../docs/error-answers.js';
import { IDEMPOTENT, type IdempotentOptions } from './idempotency.metadata.js';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';

/** A transactional POST: `Idempotency-Key` required, the record, replays, 409 and 422 (contract §7). */
export const Idempotent = (options: IdempotentOptions): MethodDecorator =>
  applyDecorators(
    SetMetadata(IDEMPOTENT, options),
    // Its answer is stamped by the service, stored, and replayed as it was.
    SetMetadata(NO_AUDIT_FIELDS, true),
    HttpCode(options.status),
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: true,
      description: 'A UUID v4 chosen by the caller, the same on every retry of this request',
    }),
    JsonBodyAnswers(),
    ErrorAnswer(400, 'No `Idempotency-Key` (`GW_IDEMPOTENCY_KEY_MISSING`), or not a UUID v4 (`GW_IDEMPOTENCY_KEY_INVALID`)'),
    ErrorAnswer(
      409,
      'A request with this key is still in flight (`application/problem+json`): poll `GET /v1/payments/{transaction_id}`',
      'problem',
    ),
    ErrorAnswer(422, 'This key was used with a different body (`application/problem+json`)', 'problem'),
    // QBank's definitive refusals are the only failures stored (IdempotencyService.failed).
    ErrorAnswer(400, 'QBank refused the request (its `ERR_…` code): stored, a retry with the same key replays it'),
    ErrorAnswer(404, 'QBank does not know an account the request names (its `ERR_…` code): stored, a retry with the same key replays it'),
    ErrorAnswer(422, 'QBank refused the request (its `ERR_…` code): stored, a retry with the same key replays it'),
    ErrorAnswer(429, 'QBank asks to slow down: the outcome is not known yet, retry with the same key after `Retry-After`'),
    ErrorAnswer(502, "QBank refused the gateway's credentials: the outcome is not known yet, retry with the same key"),
    ErrorAnswer(503, "QBank's answer is not known yet (unavailable, failing or timed out): retry with the same key after `Retry-After`"),
  );
