import { Module } from '@nestjs/common';
import { ApprovalRulesModule } from '../approvals/approval-rules.module.js';
import { TransactionsModule } from '../transactions/transactions.module.js';
import { WebhookInboxModule } from '../webhooks/webhook-inbox.module.js';
import { DailyTotalsRepository } from './daily-totals.repository.js';
import { PaymentLimits } from './payment-limits.js';
import { PaymentRecorder } from './payment-recorder.js';
import { PaymentTiming } from './payment-timing.js';
import { PaymentRepository } from './payment.repository.js';
import { PaymentsController } from './payments.controller.js';
import { PaymentsService } from './payments.service.js';
import { ScheduledPayments } from './scheduled-payments.js';

@Module({
  imports: [TransactionsModule, WebhookInboxModule, ApprovalRulesModule],
  controllers: [PaymentsController],
  providers: [PaymentsService, PaymentRepository, PaymentRecorder, PaymentLimits, DailyTotalsRepository, PaymentTiming, ScheduledPayments],
  exports: [PaymentsService, PaymentRepository, PaymentRecorder, PaymentTiming, ScheduledPayments],
})
export class PaymentsModule {}
