import { Module } from '@nestjs/common';
import { PositivePayExceptionRepository } from './positivepay-exception.repository.js';
import { PositivePayExceptionsSyncer } from './positivepay-exceptions.syncer.js';
import { PositivePayIssueRepository } from './positivepay-issue.repository.js';
import { PositivePayController } from './positivepay.controller.js';
import { PositivePayService } from './positivepay.service.js';

@Module({
  controllers: [PositivePayController],
  providers: [PositivePayService, PositivePayIssueRepository, PositivePayExceptionRepository, PositivePayExceptionsSyncer],
  exports: [PositivePayService, PositivePayExceptionsSyncer],
})
export class PositivePayModule {}
