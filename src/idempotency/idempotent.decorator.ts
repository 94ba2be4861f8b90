import { applyDecorators, HttpCode, SetMetadata, UseInterceptors } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiHeader,
  ApiTooManyRequestsResponse,
  ApiServiceUnavailableResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { NO_AUDIT_FIELDS } from '../common/interceptors/audit-fields.interceptor.js';
import { ProblemDto, StandardErrorDto } from '../docs/error.dto.js';
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
    ApiConflictResponse({
      type: ProblemDto,
      description: 'A request with this key is still in flight: poll `GET /v1/payments/{transaction_id}` (`application/problem+json`)',
    }),
    ApiUnprocessableEntityResponse({
      type: ProblemDto,
      description:
        'This key was used with a different body (`application/problem+json`), or QBank refused the request (stored: a retry replays it)',
    }),
    ApiServiceUnavailableResponse({
      type: StandardErrorDto,
      description: "QBank's answer is not known yet (unavailable, failing or timed out): retry with the same key after `Retry-After`",
    }),
    ApiTooManyRequestsResponse({
      type: StandardErrorDto,
      description: 'QBank (or the caller limit) asks to slow down: retry with the same key after `Retry-After`',
    }),
  );
