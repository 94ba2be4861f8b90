import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { SyncedData } from '../sync/data-as-of.interceptor.js';
import { PositivePayExceptionRepository } from './positivepay-exception.repository.js';
import type { ExceptionView } from './positivepay-exception.view.js';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Actor } from '../audit/actor.decorator.js';
import type { AuditActor } from '../audit/audit-event.factory.js';
import { AccountGrants } from '../auth/account-grants.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { IsId } from '../common/validators.js';
import { uuidParam } from '../common/pipes/uuid-param.pipe.js';
import { ErrorAnswer, InvalidQueryAnswer, InvalidUuidAnswer, QBankAnswers } from '../docs/error-answers.js';
import { Idempotency, type IdempotentAnswer, type IdempotentCall } from '../idempotency/idempotent-call.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';
import { CreatePositivePayIssueDto } from './positivepay-requests.dto.js';
import { PositivePayExceptionPageDto, PositivePayIssueDto } from './positivepay-responses.dto.js';
import { PositivePayService, type IssueView } from './positivepay.service.js';

export class ListExceptionsQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsId() account_id?: string;
  @ApiPropertyOptional({ enum: ['PENDING_DECISION', 'PAID', 'RETURNED'] })
  @IsOptional()
  @IsIn(['PENDING_DECISION', 'PAID', 'RETURNED'])
  status?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) cursor?: string;
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
  @ApiOperation({ summary: 'List Positive Pay exceptions' })
  @RequireScope('positivepay.exceptions.read')
  @SyncedData('positivepay-exceptions')
  @ApiOkResponse({
    type: PositivePayExceptionPageDto,
    description: '`{ data, next_cursor }`: outstanding exceptions from the store (synced daily), newest first',
  })
  @InvalidQueryAnswer()
  @ErrorAnswer(403, "`account_id` outside the caller's grants (`GW_ACCOUNT_FORBIDDEN`)")
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
  @ApiOperation({ summary: 'Issue checks to Positive Pay' })
  @RequireScope('positivepay.issues.write')
  @Idempotent({ operation: 'positivepay_issue', status: 202 })
  @ApiAcceptedResponse({ type: PositivePayIssueDto, description: "The issue file: RECEIVED now, PROCESSED after QBank's next batch" })
  @ErrorAnswer(403, "`account_id` outside the caller's debit grant (`GW_ACCOUNT_FORBIDDEN`); the key stays free")
  issue(@Body() body: CreatePositivePayIssueDto, @Idempotency() call: IdempotentCall): Promise<IdempotentAnswer> {
    // Before the key is claimed: a refused call leaves the key free for a permitted body.
    this.grants.assertDebit(call.caller, body.account_id);
    return this.positivePay.create(body, call);
  }

  @Get('issues/:issueId')
  @ApiOperation({ summary: 'Get a Positive Pay issue' })
  @RequireScope('positivepay.issues.write')
  @QBankAnswers()
  @ApiOkResponse({ type: PositivePayIssueDto, description: "The issue file and each check's status, refreshed from QBank until PROCESSED" })
  @InvalidUuidAnswer('issueId')
  @ErrorAnswer(403, "Its account is outside the caller's grants (`GW_ACCOUNT_FORBIDDEN`); QBank is not asked")
  @ErrorAnswer(404, 'The gateway sent no such issue (`GW_NOT_FOUND`)')
  get(@Param('issueId', uuidParam('issueId')) issueId: string, @Actor() actor: AuditActor): Promise<IssueView> {
    return this.positivePay.get(issueId, (accountId) => this.grants.assertRead(actor, accountId));
  }
}
