import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { Actor } from '../audit/actor.decorator.js';
import type { AuditActor } from '../audit/audit-event.factory.js';
import { AccountGrants } from '../auth/account-grants.js';
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
  constructor(
    private readonly accounts: AccountRepository,
    private readonly grants: AccountGrants,
  ) {}

  @Get()
  @RequireScope('accounts.read')
  @SyncedData('accounts')
  @ApiOkResponse({
    description:
      "`{ data, next_cursor }` from the store (synced nightly), ordered by account_id: the accounts the caller's grants let it read",
  })
  list(@Query() query: ListAccountsQuery, @Actor() actor: AuditActor): Promise<{ data: AccountView[]; next_cursor: string | null }> {
    return this.accounts.list(query.limit ?? 100, query.cursor, this.grants.readable(actor));
  }

  @Get(':accountId')
  @RequireScope('accounts.read')
  @SyncedData('accounts')
  @ApiOkResponse({ description: 'One account from the store' })
  @ApiNotFoundResponse({ type: StandardErrorDto })
  @ApiForbiddenResponse({ type: StandardErrorDto, description: "Outside the caller's grants (`GW_ACCOUNT_FORBIDDEN`)" })
  get(@Param('accountId', uuidParam('accountId')) accountId: string, @Actor() actor: AuditActor): Promise<AccountView> {
    this.grants.assertRead(actor, accountId);
    return this.accounts.get(accountId);
  }
}
