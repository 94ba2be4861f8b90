import { Body, Controller, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { Idempotency, type IdempotentAnswer, type IdempotentCall } from '../idempotency/idempotent-call.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';
import { InitiatesPayment } from '../payments/initiates-payment.decorator.js';
import { CreateTransferDto } from '../payments/payment-requests.dto.js';
import { PaymentDto } from '../payments/payment-responses.dto.js';
import { PaymentsService } from '../payments/payments.service.js';

@ApiTags('Transfers')
@Controller('v1/transfers')
export class TransfersController {
  constructor(private readonly payments: PaymentsService) {}

  @Post()
  @ApiOperation({ summary: 'Send a book transfer between two accounts' })
  @RequireScope('transfers.write')
  @Idempotent({ operation: 'transfer', status: 201 })
  @InitiatesPayment()
  @ApiCreatedResponse({ type: PaymentDto, description: 'The transfer (a payment of type TRANSFER) with its status' })
  create(@Body() body: CreateTransferDto, @Idempotency() call: IdempotentCall): Promise<IdempotentAnswer> {
    return this.payments.transfer(body, call);
  }
}
