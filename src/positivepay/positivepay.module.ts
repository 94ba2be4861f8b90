import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PositivePayIssueEntity } from './positivepay-issue.entity.js';
import { PositivePayController } from './positivepay.controller.js';
import { PositivePayService } from './positivepay.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([PositivePayIssueEntity])],
  controllers: [PositivePayController],
  providers: [PositivePayService],
})
export class PositivePayModule {}
