import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { Actor } from '../audit/actor.decorator.js';
import type { AuditActor } from '../audit/audit-event.factory.js';
import { AccountGrants } from '../auth/account-grants.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { uuidParam } from '../common/pipes/uuid-param.pipe.js';
import { ErrorAnswer, InvalidQueryAnswer, InvalidUuidAnswer } from '../docs/error-answers.js';
import { SyncedData } from '../sync/data-as-of.interceptor.js';
import { AccountPageDto, AccountDto } from './account-responses.dto.js';
import { AccountRepository, type AccountView } from './account.repository.js';

export class ListAccountsQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) cursor?: string;
}

@ApiTags('Accounts')
@Controller('v1/accounts')
export class AccountsController {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly grants: AccountGrants,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List accounts' })
  @RequireScope('accounts.read')
  @SyncedData('accounts')
  @InvalidQueryAnswer()
  @ApiOkResponse({
    type: AccountPageDto,
    description:
      "`{ data, next_cursor }` from the store (synced nightly), ordered by account_id: the accounts the caller's grants let it read",
  })
  list(@Query() query: ListAccountsQuery, @Actor() actor: AuditActor): Promise<{ data: AccountView[]; next_cursor: string | null }> {
    return this.accounts.list(query.limit ?? 100, query.cursor, this.grants.readable(actor));
  }

  @Get(':accountId')
  @ApiOperation({ summary: 'Get an account' })
  @RequireScope('accounts.read')
  @SyncedData('accounts')
  @ApiOkResponse({ type: AccountDto, description: 'One account from the store' })
  @InvalidUuidAnswer('accountId')
  @ErrorAnswer(403, "Outside the caller's grants (`GW_ACCOUNT_FORBIDDEN`)")
  @ErrorAnswer(404, 'The store holds no such account (`GW_NOT_FOUND`)')
  get(@Param('accountId', uuidParam('accountId')) accountId: string, @Actor() actor: AuditActor): Promise<AccountView> {
    this.grants.assertRead(actor, accountId);
    return this.accounts.get(accountId);
  }
}
