import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { SyncedData } from '../sync/data-as-of.interceptor.js';
import { PositivePayExceptionRepository } from './positivepay-exception.repository.js';
import type { ExceptionView } from './positivepay-exception.view.js';
import { ApiAcceptedResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Actor } from '../audit/actor.decorator.js';
import type { AuditActor } from '../audit/audit-event.factory.js';
import { AccountGrants } from '../auth/account-grants.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { IsId } from '../common/validators.js';
import { uuidParam } from '../common/pipes/uuid-param.pipe.js';
import { StandardErrorDto } from '../docs/error.dto.js';
import { Idempotency, type IdempotentAnswer, type IdempotentCall } from '../idempotency/idempotent-call.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';
import { CreatePositivePayIssueDto } from './positivepay-requests.dto.js';
import { PositivePayService, type IssueView } from './positivepay.service.js';

export class ListExceptionsQuery {
  @IsOptional() @IsId() account_id?: string;
  @IsOptional() @IsIn(['PENDING_DECISION', 'PAID', 'RETURNED']) status?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
  @IsOptional() @IsString() @MaxLength(500) cursor?: string;
}

@ApiTags('Positive Pay')
@Controller('v1/positivepay')
export class PositivePayController {
  constructor(
    private readonly positivePay: PositivePayService,
    private readonly exceptions: PositivePayExceptionRepository,
    private readonly grants: AccountGrants,
  ) {}

  @Get('exceptions')
  @RequireScope('positivepay.exceptions.read')
  @SyncedData('positivepay-exceptions')
  @ApiOkResponse({ description: '`{ data, next_cursor }`: outstanding exceptions from the store (synced daily), newest first' })
  @ApiForbiddenResponse({ type: StandardErrorDto, description: "`account_id` outside the caller's grants (`GW_ACCOUNT_FORBIDDEN`)" })
  listExceptions(
    @Query() query: ListExceptionsQuery,
    @Actor() actor: AuditActor,
  ): Promise<{ data: ExceptionView[]; next_cursor: string | null }> {
    this.grants.assertRead(actor, query.account_id);
    return this.exceptions.list({
      accountId: query.account_id,
      readable: this.grants.readable(actor),
      status: query.status,
      limit: query.limit ?? 100,
      cursor: query.cursor,
    });
  }

  @Post('issues')
  @RequireScope('positivepay.issues.write')
  @Idempotent({ operation: 'positivepay_issue', status: 202 })
  @ApiAcceptedResponse({ description: "`{ issue_id, status, checks }`: RECEIVED now, PROCESSED after QBank's next batch" })
  @ApiForbiddenResponse({ type: StandardErrorDto, description: "`account_id` outside the caller's debit grant (`GW_ACCOUNT_FORBIDDEN`)" })
  issue(@Body() body: CreatePositivePayIssueDto, @Idempotency() call: IdempotentCall): Promise<IdempotentAnswer> {
    // Before the key is claimed: a refused call leaves the key free for a permitted body.
    this.grants.assertDebit(call.caller, body.account_id);
    return this.positivePay.create(body, call);
  }

  @Get('issues/:issueId')
  @RequireScope('positivepay.issues.write')
  @ApiOkResponse({ description: "The issue file and each check's status, refreshed from QBank until PROCESSED" })
  @ApiNotFoundResponse({ type: StandardErrorDto })
  get(@Param('issueId', uuidParam('issueId')) issueId: string, @Actor() actor: AuditActor): Promise<IssueView> {
    return this.positivePay.get(issueId, (accountId) => this.grants.assertRead(actor, accountId));
  }
}
