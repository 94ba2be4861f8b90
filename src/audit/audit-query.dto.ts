import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { UUID_PATTERN } from '../common/request-context.js';

const OUTCOMES = ['success', 'client_error', 'denied', 'upstream_error', 'error'];
const KINDS = ['call', 'payment', 'sync', 'audit'];

/** Filters shared by the list and the export. */
export class AuditFilterQuery {
  @ApiPropertyOptional({ description: "The caller's client id; `qbank` for webhooks, `system` for the scheduler" })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  actor?: string;
  @ApiPropertyOptional({
    description:
      '`METHOD route` of a call (`POST /v1/payments/wire`), or `payment.created`, `payment.status_changed`, `sync.run`, `audit.retention`',
  })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  action?: string;
  @ApiPropertyOptional({ description: 'What the event is about: a payment id, an account id, a sync run id' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  resource_id?: string;
  @ApiPropertyOptional({ description: 'Every event of one call (its `X-Request-ID`)' })
  @IsOptional()
  @Matches(UUID_PATTERN, { message: 'request_id must be a UUID' })
  request_id?: string;
  @ApiPropertyOptional({ enum: OUTCOMES }) @IsOptional() @IsIn(OUTCOMES) outcome?: string;
  @ApiPropertyOptional({ enum: KINDS }) @IsOptional() @IsIn(KINDS) kind?: string;
  @ApiPropertyOptional({ example: '2026-11-24', description: 'At or after: a date (whole UTC day) or a date-time' })
  @IsOptional()
  @IsString()
  from?: string;
  @ApiPropertyOptional({ example: '2026-11-30T23:59:59.999Z', description: 'At or before: a date (whole UTC day) or a date-time' })
  @IsOptional()
  @IsString()
  to?: string;
}

export class ListAuditEventsQuery extends AuditFilterQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) cursor?: string;
}

export class ExportAuditEventsQuery extends AuditFilterQuery {
  @ApiPropertyOptional({ enum: ['csv', 'ndjson'], default: 'ndjson' }) @IsOptional() @IsIn(['csv', 'ndjson']) format?: 'csv' | 'ndjson';
}
