import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SyncModule } from '../sync/sync.module.js';
import { PositivePayExceptionEntity } from './positivepay-exception.entity.js';
import { PositivePayExceptionsService } from './positivepay-exceptions.service.js';
import { PositivePayIssueEntity } from './positivepay-issue.entity.js';
import { PositivePayController } from './positivepay.controller.js';
import { PositivePayService } from './positivepay.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([PositivePayIssueEntity, PositivePayExceptionEntity]), SyncModule],
  controllers: [PositivePayController],
  providers: [PositivePayService, PositivePayExceptionsService],
})
export class PositivePayModule {}
