import { Module } from '@nestjs/common';
import { PaymentsModule } from '../payments/payments.module.js';
import { SchedulerJob } from './scheduler.job.js';
import { SchedulerService } from './scheduler.service.js';

/** The leased job that sends scheduled payments when their window opens. */
@Module({ imports: [PaymentsModule], providers: [SchedulerService, SchedulerJob], exports: [SchedulerJob] })
export class SchedulingModule {}
