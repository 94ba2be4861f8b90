import { Controller, Get, Query } from '@nestjs/common';
import { ApiForbiddenResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { StandardErrorDto } from '../docs/error.dto.js';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { Actor } from '../audit/actor.decorator.js';
import type { AuditActor } from '../audit/audit-event.factory.js';
import { AccountGrants } from '../auth/account-grants.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { IsId } from '../common/validators.js';
import { SyncedData } from '../sync/data-as-of.interceptor.js';
import { TransactionRepository, type DateField, type TransactionView } from './transaction.repository.js';

export class ListTransactionsQuery {
  @IsOptional() @IsId() account_id?: string;
  @IsOptional() @IsIn(['transaction_date', 'value_date', 'posting_date']) date_field?: DateField;
  @IsOptional() @IsString() @MaxLength(40) from?: string;
  @IsOptional() @IsString() @MaxLength(40) to?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
  @IsOptional() @IsString() @MaxLength(500) cursor?: string;
}

@ApiTags('Transactions')
@Controller('v1/transactions')
export class TransactionsController {
  constructor(
    private readonly transactions: TransactionRepository,
    private readonly grants: AccountGrants,
  ) {}

  @Get()
  @RequireScope('transactions.read')
  @SyncedData('transactions')
  @ApiOkResponse({
    description:
      "`{ data, next_cursor }` from the store, newest first by the chosen date (default posting_date); only accounts the caller's grants let it read",
  })
  @ApiForbiddenResponse({ type: StandardErrorDto, description: "`account_id` outside the caller's grants (`GW_ACCOUNT_FORBIDDEN`)" })
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
