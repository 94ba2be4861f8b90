import { Module } from '@nestjs/common';
import { PaymentsModule } from '../payments/payments.module.js';
import { ApprovalExpiryJob } from './approval-expiry.job.js';
import { ApprovalRulesModule } from './approval-rules.module.js';
import { ApprovalsController } from './approvals.controller.js';
import { ApprovalsService } from './approvals.service.js';

/** Decisions on payments awaiting approval, and the job that expires them. */
@Module({
  imports: [PaymentsModule, ApprovalRulesModule],
  controllers: [ApprovalsController],
  providers: [ApprovalsService, ApprovalExpiryJob],
})
export class ApprovalsModule {}
