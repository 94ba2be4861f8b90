import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataAsOfInterceptor } from './data-as-of.interceptor.js';
import { SyncLease, SyncRun } from './sync-run.entity.js';
import { SyncLeaseService } from './sync-lease.service.js';
import { SyncController } from './sync.controller.js';
import { SyncScheduler } from './sync.scheduler.js';
import { SyncService } from './sync.service.js';
import { Syncers } from './syncers.js';

@Module({
  imports: [TypeOrmModule.forFeature([SyncRun, SyncLease]), ScheduleModule.forRoot()],
  controllers: [SyncController],
  providers: [SyncService, SyncLeaseService, Syncers, SyncScheduler, DataAsOfInterceptor],
  exports: [SyncService, DataAsOfInterceptor, SyncScheduler],
})
export class SyncModule {}
