import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ErrorAnswer, InvalidQueryAnswer } from '../docs/error-answers.js';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { Actor } from '../audit/actor.decorator.js';
import type { AuditActor } from '../audit/audit-event.factory.js';
import { AccountGrants } from '../auth/account-grants.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { IsId } from '../common/validators.js';
import { SyncedData } from '../sync/data-as-of.interceptor.js';
import { TransactionPageDto } from './transaction-responses.dto.js';
import { TransactionRepository, type DateField, type TransactionView } from './transaction.repository.js';

export class ListTransactionsQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsId() account_id?: string;
  @ApiPropertyOptional({ enum: ['transaction_date', 'value_date', 'posting_date'], default: 'posting_date' })
  @IsOptional()
  @IsIn(['transaction_date', 'value_date', 'posting_date'])
  date_field?: DateField;
  @ApiPropertyOptional({ example: '2026-11-24', description: 'At or after: a date (the whole UTC day) or a date-time' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  from?: string;
  @ApiPropertyOptional({ example: '2026-11-30T23:59:59.999Z', description: 'At or before: a date (the whole UTC day) or a date-time' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  to?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) cursor?: string;
}

@ApiTags('Transactions')
@Controller('v1/transactions')
export class TransactionsController {
  constructor(
    private readonly transactions: TransactionRepository,
    private readonly grants: AccountGrants,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List transactions' })
  @RequireScope('transactions.read')
  @SyncedData('transactions')
  @InvalidQueryAnswer()
  @ApiOkResponse({
    type: TransactionPageDto,
    description:
      "`{ data, next_cursor }` from the store, newest first by the chosen date (default posting_date); only accounts the caller's grants let it read",
  })
  @ErrorAnswer(403, "`account_id` outside the caller's grants (`GW_ACCOUNT_FORBIDDEN`)")
  list(
    @Query() query: ListTransactionsQuery,
    @Actor() actor: AuditActor,
  ): Promise<{ data: TransactionView[]; next_cursor: string | null }> {
    this.grants.assertRead(actor, query.account_id);
    return this.transactions.list({
      accountId: query.account_id,
      readable: this.grants.readable(actor),
      dateField: query.date_field ?? 'posting_date',
      from: query.from,
      to: query.to,
      limit: query.limit ?? 100,
      cursor: query.cursor,
    });
  }
}
