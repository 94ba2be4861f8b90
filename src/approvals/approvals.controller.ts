import { applyDecorators, Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { Actor } from '../audit/actor.decorator.js';
import type { AuditActor } from '../audit/audit-event.factory.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { uuidParam } from '../common/pipes/uuid-param.pipe.js';
import { ErrorAnswer, InvalidQueryAnswer, InvalidUuidAnswer, JsonBodyAnswers, QBankAnswers } from '../docs/error-answers.js';
import { AchBatchDto, PAYMENT_OR_BATCH, PaymentDto } from '../payments/payment-responses.dto.js';
import type { BatchView, PaymentView } from '../payments/payment.view.js';
import { PendingApprovalPageDto } from './approval-responses.dto.js';
import type { PendingApprovalView } from './approval.view.js';
import { ApprovalsService } from './approvals.service.js';

export class ListApprovalsQuery {
  @ApiPropertyOptional({ enum: ['pending'], default: 'pending' }) @IsOptional() @IsIn(['pending']) status?: 'pending';
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) cursor?: string;
}

export class ApproveDto {
  @ApiPropertyOptional({ maxLength: 500, example: 'Checked against invoice 4711' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  comment?: string;
}

export class RejectDto {
  @ApiPropertyOptional({ maxLength: 500, example: 'Beneficiary not on the vendor master' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

/** A payment or ACH batch named in the path, found and its account checked (ApprovalsService.lockedOrNone). */
const PaymentInPath = () =>
  applyDecorators(
    InvalidUuidAnswer('paymentId'),
    ErrorAnswer(403, "Its debtor account is outside the caller's grants (`GW_ACCOUNT_FORBIDDEN`)"),
    ErrorAnswer(404, 'No such payment or ACH batch (`GW_NOT_FOUND`)'),
  );

const DecisionErrors = () =>
  applyDecorators(
    PaymentInPath(),
    JsonBodyAnswers(),
    ErrorAnswer(403, 'The initiator (`GW_SELF_APPROVAL`), or a caller without an approver role (`GW_NOT_APPROVER`)'),
    ErrorAnswer(409, 'Not awaiting approval (`GW_NOT_AWAITING_APPROVAL`)'),
  );

/** Maker-checker (contract §13): what awaits approval, and the decisions on it. */
@ApiTags('Approvals')
@ApiExtraModels(PaymentDto, AchBatchDto)
@Controller('v1')
export class ApprovalsController {
  constructor(private readonly approvals: ApprovalsService) {}

  @Get('approvals')
  @ApiOperation({ summary: 'List payments awaiting approval' })
  @RequireScope('payments.approve')
  @InvalidQueryAnswer()
  @ApiOkResponse({
    type: PendingApprovalPageDto,
    description:
      '`{ data, next_cursor }`: payments awaiting approval that the caller may decide (not its own, one of its roles named), newest first',
  })
  pending(
    @Query() query: ListApprovalsQuery,
    @Actor() actor: AuditActor,
  ): Promise<{ data: PendingApprovalView[]; next_cursor: string | null }> {
    return this.approvals.pending(actor, query.limit ?? 100, query.cursor);
  }

  @Post('payments/:paymentId/approve')
  @ApiOperation({ summary: 'Approve a payment' })
  @HttpCode(200)
  @RequireScope('payments.approve')
  @DecisionErrors()
  // The last approval sends it, and the answer asks QBank for its status.
  @QBankAnswers()
  @ApiOkResponse({
    schema: PAYMENT_OR_BATCH,
    description: 'The payment (or ACH batch) after the approval: sent to QBank when it was the last one needed',
  })
  approve(
    @Param('paymentId', uuidParam('paymentId')) paymentId: string,
    @Body() body: ApproveDto,
    @Actor() actor: AuditActor,
  ): Promise<PaymentView | BatchView> {
    return this.approvals.decide(paymentId, 'approve', actor, body?.comment ?? null);
  }

  @Post('payments/:paymentId/reject')
  @ApiOperation({ summary: 'Reject a payment' })
  @HttpCode(200)
  @RequireScope('payments.approve')
  @DecisionErrors()
  @ApiOkResponse({ schema: PAYMENT_OR_BATCH, description: 'The payment (or ACH batch), P_REJECTED: never sent, its limits given back' })
  reject(
    @Param('paymentId', uuidParam('paymentId')) paymentId: string,
    @Body() body: RejectDto,
    @Actor() actor: AuditActor,
  ): Promise<PaymentView | BatchView> {
    return this.approvals.decide(paymentId, 'reject', actor, body?.reason ?? null);
  }

  @Post('payments/:paymentId/cancel')
  @ApiOperation({ summary: 'Cancel a payment that has not gone to QBank' })
  @HttpCode(200)
  @RequireScope('payments.read')
  @ApiOkResponse({ schema: PAYMENT_OR_BATCH, description: 'The payment (or ACH batch), P_CANCELLED: never sent, its limits given back' })
  @PaymentInPath()
  @ErrorAnswer(403, 'Neither its initiator nor one of its approvers (`GW_CANCEL_FORBIDDEN`)')
  @ErrorAnswer(409, 'It went to QBank already, or is no longer awaiting approval (`GW_NOT_CANCELLABLE`)')
  cancel(@Param('paymentId', uuidParam('paymentId')) paymentId: string, @Actor() actor: AuditActor): Promise<PaymentView | BatchView> {
    return this.approvals.cancel(paymentId, actor);
  }
}
