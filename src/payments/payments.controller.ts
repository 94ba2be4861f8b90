import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { uuidParam } from '../common/pipes/uuid-param.pipe.js';
import { StandardErrorDto } from '../docs/error.dto.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';
import { ListPaymentsQuery } from './list-payments.dto.js';
import { CreateAchDto, CreateWireDto } from './payment-requests.dto.js';
import { PaymentListService } from './payment-list.service.js';
import type { BatchView, PaymentView } from './payment.view.js';
import { PaymentsService } from './payments.service.js';

@ApiTags('Payments')
@Controller('v1/payments')
export class PaymentsController {
  constructor(
    private readonly payments: PaymentsService,
    private readonly list: PaymentListService,
  ) {}

  @Post('wire')
  @RequireScope('payments.wire.write')
  @Idempotent({ operation: 'wire', dto: CreateWireDto, status: 201 })
  @ApiCreatedResponse({ description: 'The wire with its status as QBank reports it (a wire QBank fails at once is 201 with `P_FAILED`)' })
  wire(@Body() body: CreateWireDto): Promise<PaymentView> {
    return this.payments.wire(body);
  }

  @Post('ach')
  @RequireScope('payments.ach.write')
  @Idempotent({ operation: 'ach', dto: CreateAchDto, status: 202 })
  @ApiAcceptedResponse({ description: "`{ batch_id, payments }`: every payment `P_PENDING` until QBank's ACH batch settles it" })
  ach(@Body() body: CreateAchDto): Promise<BatchView> {
    return this.payments.ach(body);
  }

  @Get()
  @RequireScope('payments.read')
  @ApiOkResponse({
    description: '`{ data, next_cursor }` from the store: newest first, or with `updated_since` the feed of changes, oldest first',
  })
  find(@Query() query: ListPaymentsQuery): Promise<{ data: PaymentView[]; next_cursor: string | null }> {
    return this.list.list(query);
  }

  @Get(':paymentId')
  @RequireScope('payments.read')
  @ApiOkResponse({ description: 'A payment (or an ACH batch) with its status history; refreshed from QBank while not final' })
  @ApiNotFoundResponse({ type: StandardErrorDto, description: 'The gateway sent no such payment or batch (`GW_NOT_FOUND`)' })
  @ApiServiceUnavailableResponse({ type: StandardErrorDto, description: 'QBank in maintenance; `Retry-After` says when to retry' })
  get(@Param('paymentId', uuidParam('paymentId')) paymentId: string): Promise<PaymentView | BatchView> {
    return this.payments.status(paymentId);
  }
}
