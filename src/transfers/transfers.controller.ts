import { Body, Controller, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';
import { CreateTransferDto } from '../payments/payment-requests.dto.js';
import type { PaymentView } from '../payments/payment.view.js';
import { PaymentsService } from '../payments/payments.service.js';

@ApiTags('Transfers')
@Controller('v1/transfers')
export class TransfersController {
  constructor(private readonly payments: PaymentsService) {}

  @Post()
  @RequireScope('transfers.write')
  @Idempotent({ operation: 'transfer', dto: CreateTransferDto, status: 201 })
  @ApiCreatedResponse({ description: 'The transfer (a payment of type TRANSFER) with its status' })
  create(@Body() body: CreateTransferDto): Promise<PaymentView> {
    return this.payments.transfer(body);
  }
}
