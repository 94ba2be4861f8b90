import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { uuidParam } from '../common/pipes/uuid-param.pipe.js';
import { StandardErrorDto } from '../docs/error.dto.js';
import { SyncedData } from '../sync/data-as-of.interceptor.js';
import { AccountRepository, type AccountView } from './account.repository.js';

export class ListAccountsQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
  @IsOptional() @IsString() @MaxLength(500) cursor?: string;
}

@ApiTags('Accounts')
@Controller('v1/accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountRepository) {}

  @Get()
  @RequireScope('accounts.read')
  @SyncedData('accounts')
  @ApiOkResponse({ description: '`{ data, next_cursor }` from the store (synced nightly), ordered by account_id' })
  list(@Query() query: ListAccountsQuery): Promise<{ data: AccountView[]; next_cursor: string | null }> {
    return this.accounts.list(query.limit ?? 100, query.cursor);
  }

  @Get(':accountId')
  @RequireScope('accounts.read')
  @SyncedData('accounts')
  @ApiOkResponse({ description: 'One account from the store' })
  @ApiNotFoundResponse({ type: StandardErrorDto })
  get(@Param('accountId', uuidParam('accountId')) accountId: string): Promise<AccountView> {
    return this.accounts.get(accountId);
  }
}
