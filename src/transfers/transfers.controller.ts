import { Body, Controller, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { Idempotency, type IdempotentAnswer, type IdempotentCall } from '../idempotency/idempotent-call.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';
import { CreateTransferDto } from '../payments/payment-requests.dto.js';
import { PaymentsService } from '../payments/payments.service.js';

@ApiTags('Transfers')
@Controller('v1/transfers')
export class TransfersController {
  constructor(private readonly payments: PaymentsService) {}

  @Post()
  @RequireScope('transfers.write')
  @Idempotent({ operation: 'transfer', status: 201 })
  @ApiCreatedResponse({ description: 'The transfer (a payment of type TRANSFER) with its status' })
  create(@Body() body: CreateTransferDto, @Idempotency() call: IdempotentCall): Promise<IdempotentAnswer> {
    return this.payments.transfer(body, call);
  }
}
