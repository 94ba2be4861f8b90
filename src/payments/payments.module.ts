import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PaymentBatch, PaymentEntity, PaymentStatusChange } from './payment.entity.js';
import { PaymentListService } from './payment-list.service.js';
import { PaymentStore } from './payment-store.js';
import { PaymentsController } from './payments.controller.js';
import { PaymentLimits } from './payment-limits.js';
import { PaymentsService } from './payments.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([PaymentEntity, PaymentStatusChange, PaymentBatch])],
  controllers: [PaymentsController],
  providers: [PaymentsService, PaymentStore, PaymentListService, PaymentLimits],
  exports: [PaymentsService, PaymentStore],
})
export class PaymentsModule {}
