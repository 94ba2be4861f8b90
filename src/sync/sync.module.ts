import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AccountsSyncer } from '../accounts/accounts.syncer.js';
import { PaymentsModule } from '../payments/payments.module.js';
import { PositivePayExceptionsSyncer } from '../positivepay/positivepay-exceptions.syncer.js';
import { TransactionsModule } from '../transactions/transactions.module.js';
import { TransactionsSyncer } from '../transactions/transactions.syncer.js';
import { SnapshotSync } from './snapshot-sync.js';
import { SyncController } from './sync.controller.js';
import { SyncScheduler } from './sync.scheduler.js';
import { SyncService } from './sync.service.js';

/** Syncs of the batch resources: each resource's syncer (in its feature's folder), runs, schedule, API. */
@Module({
  imports: [ScheduleModule.forRoot(), TransactionsModule, PaymentsModule],
  controllers: [SyncController],
  providers: [SyncService, SyncScheduler, SnapshotSync, AccountsSyncer, TransactionsSyncer, PositivePayExceptionsSyncer],
  exports: [SyncService, SyncScheduler],
})
export class SyncModule {}
