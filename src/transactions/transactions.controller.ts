import { Controller, Get, Header, Query, Req } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { auditFieldsOf } from '../common/interceptors/audit-fields.interceptor.js';
import { contextOf } from '../common/request-context.js';
import { SyncedData } from '../sync/data-as-of.interceptor.js';
import { TransactionsService, type DateField } from './transactions.service.js';

export class ListTransactionsQuery {
  @IsOptional() @IsUUID() account_id?: string;
  @IsOptional() @IsIn(['transaction_date', 'value_date', 'posting_date']) date_field?: DateField;
  @IsOptional() @IsString() @MaxLength(40) from?: string;
  @IsOptional() @IsString() @MaxLength(40) to?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
  @IsOptional() @IsString() @MaxLength(500) cursor?: string;
}

@ApiTags('Transactions')
@Controller('v1/transactions')
export class TransactionsController {
  constructor(private readonly transactions: TransactionsService) {}

  @Get()
  @RequireScope('transactions.read')
  @SyncedData('transactions')
  @Header('content-type', 'application/json; charset=utf-8')
  @ApiOkResponse({ description: '`{ data, next_cursor }` from the store, newest first by the chosen date (default posting_date)' })
  list(@Query() query: ListTransactionsQuery, @Req() request: FastifyRequest): Promise<string> {
    // The answer is JSON text with each row's audit fields already in it (text is never stamped again).
    return this.transactions.list(
      {
        accountId: query.account_id,
        dateField: query.date_field ?? 'posting_date',
        from: query.from,
        to: query.to,
        limit: query.limit ?? 100,
        cursor: query.cursor,
      },
      auditFieldsOf(contextOf(request)),
    );
  }
}
