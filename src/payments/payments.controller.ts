import { Controller, Get, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { AchBatch, Payment } from '#qbank/contract';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { uuidParam } from '../common/pipes/uuid-param.pipe.js';
import { StandardErrorDto } from '../docs/error.dto.js';
import { PaymentsService } from './payments.service.js';

@ApiTags('Payments')
@Controller('v1/payments')
export class PaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  @Get(':paymentId')
  @RequireScope('payments.read')
  @ApiOkResponse({ description: 'The payment (or ACH batch) as QBank reports it now, with its status history' })
  @ApiNotFoundResponse({ type: StandardErrorDto, description: 'No such payment or batch (`ERR_PAY_001`)' })
  @ApiServiceUnavailableResponse({ type: StandardErrorDto, description: 'QBank in maintenance; `Retry-After` says when to retry' })
  get(@Param('paymentId', uuidParam('paymentId')) paymentId: string): Promise<Payment | AchBatch> {
    return this.payments.status(paymentId);
  }
}
