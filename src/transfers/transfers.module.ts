import { Module } from '@nestjs/common';
import { PaymentsModule } from '../payments/payments.module.js';
import { TransfersController } from './transfers.controller.js';

/** Transfers between the company's own accounts: payments of type TRANSFER, kept by the payments module. */
@Module({ imports: [PaymentsModule], controllers: [TransfersController] })
export class TransfersModule {}
