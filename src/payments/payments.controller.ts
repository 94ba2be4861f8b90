import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor } from '../audit/actor.decorator.js';
import type { AuditActor } from '../audit/audit-event.factory.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { uuidParam } from '../common/pipes/uuid-param.pipe.js';
import { ErrorAnswer, InvalidQueryAnswer, InvalidUuidAnswer, QBankAnswers } from '../docs/error-answers.js';
import { Idempotency, type IdempotentAnswer, type IdempotentCall } from '../idempotency/idempotent-call.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';
import { InitiatesPayment } from './initiates-payment.decorator.js';
import { ListPaymentsQuery } from './list-payments.dto.js';
import { CreateAchDto, CreateWireDto } from './payment-requests.dto.js';
import { AchBatchDto, PAYMENT_OR_BATCH, PaymentDto, PaymentPageDto } from './payment-responses.dto.js';
import type { BatchView, PaymentView } from './payment.view.js';
import { PaymentsService } from './payments.service.js';

@ApiTags('Payments')
@ApiExtraModels(PaymentDto, AchBatchDto)
@Controller('v1/payments')
export class PaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  @Post('wire')
  @ApiOperation({ summary: 'Send a wire' })
  @RequireScope('payments.wire.write')
  @Idempotent({ operation: 'wire', status: 201 })
  @InitiatesPayment()
  @ApiCreatedResponse({
    type: PaymentDto,
    description: 'The wire with its status as QBank reports it (a wire QBank fails at once is 201 with `P_FAILED`)',
  })
  wire(@Body() body: CreateWireDto, @Idempotency() call: IdempotentCall): Promise<IdempotentAnswer> {
    return this.payments.wire(body, call);
  }

  @Post('ach')
  @ApiOperation({ summary: 'Send an ACH batch' })
  @RequireScope('payments.ach.write')
  @Idempotent({ operation: 'ach', status: 202 })
  @InitiatesPayment()
  @ApiAcceptedResponse({
    type: AchBatchDto,
    description: "The batch and its payments, every payment `P_PENDING` until QBank's ACH batch settles it",
  })
  ach(@Body() body: CreateAchDto, @Idempotency() call: IdempotentCall): Promise<IdempotentAnswer> {
    return this.payments.ach(body, call);
  }

  @Get()
  @ApiOperation({ summary: 'List payments' })
  @RequireScope('payments.read')
  @InvalidQueryAnswer()
  @ApiOkResponse({
    type: PaymentPageDto,
    description: '`{ data, next_cursor }` from the store: newest first, or with `updated_since` the feed of changes, oldest first',
  })
  find(@Query() query: ListPaymentsQuery, @Actor() actor: AuditActor): Promise<{ data: PaymentView[]; next_cursor: string | null }> {
    return this.payments.list(query, actor);
  }

  @Get(':paymentId')
  @ApiOperation({ summary: 'Get a payment or an ACH batch' })
  @RequireScope('payments.read')
  @QBankAnswers()
  @ApiOkResponse({
    schema: PAYMENT_OR_BATCH,
    description: 'A payment (or an ACH batch) with its status history; refreshed from QBank while not final',
  })
  @InvalidUuidAnswer('paymentId')
  @ErrorAnswer(403, "Its debtor account is outside the caller's grants (`GW_ACCOUNT_FORBIDDEN`); QBank is not asked")
  @ErrorAnswer(404, 'The gateway sent no such payment or batch (`GW_NOT_FOUND`)')
  get(@Param('paymentId', uuidParam('paymentId')) paymentId: string, @Actor() actor: AuditActor): Promise<PaymentView | BatchView> {
    return this.payments.status(paymentId, actor);
  }
}
