import { Module } from '@nestjs/common';
import { PositivePayExceptionRepository } from './positivepay-exception.repository.js';
import { PositivePayIssueRepository } from './positivepay-issue.repository.js';
import { PositivePayController } from './positivepay.controller.js';
import { PositivePayService } from './positivepay.service.js';

@Module({
  controllers: [PositivePayController],
  providers: [PositivePayService, PositivePayIssueRepository, PositivePayExceptionRepository],
  exports: [PositivePayService],
})
export class PositivePayModule {}
