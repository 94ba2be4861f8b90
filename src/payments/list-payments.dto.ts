import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { PAYMENT_STATES } from './payment-state.js';

export class ListPaymentsQuery {
  @ApiPropertyOptional({ enum: PAYMENT_STATES })
  @IsOptional()
  @IsIn(PAYMENT_STATES)
  status?: string;
  @ApiPropertyOptional({ enum: ['ACH', 'WIRE', 'TRANSFER'] }) @IsOptional() @IsIn(['ACH', 'WIRE', 'TRANSFER']) type?: string;
  @ApiPropertyOptional({ example: '2026-11-24', description: 'Created at or after: a date (whole UTC day) or a date-time' })
  @IsOptional()
  @IsString()
  from?: string;
  @ApiPropertyOptional({ example: '2026-11-30T23:59:59.999Z', description: 'Created at or before: a date (whole UTC day) or a date-time' })
  @IsOptional()
  @IsString()
  to?: string;
  @ApiPropertyOptional({
    format: 'date-time',
    example: '2026-11-24T14:05:09.431Z',
    description:
      'The polling feed: payments updated after this instant, oldest change first (keep the last `updated_at` as your watermark). ' +
      "Approximate: it follows the gateway's clock, not commit order, so a change that commits after a later-stamped one can be " +
      'missed; overlap the watermark, or follow `GET /v1/events`, which never skips.',
  })
  @IsOptional()
  @IsString()
  updated_since?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) cursor?: string;
}
