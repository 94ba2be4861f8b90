import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller.js';
import { AccountsModule } from '../accounts/accounts.module.js';
import { SyncModule } from '../sync/sync.module.js';
import { DatabaseHealthIndicator } from './database.health.js';
import { FreshnessHealthIndicator } from './freshness.health.js';
import { GrantsHealthIndicator } from './grants.health.js';
import { QBankHealthIndicator } from './qbank.health.js';
import { ShutdownState } from './shutdown-state.js';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), SyncModule, AccountsModule],
  controllers: [HealthController],
  providers: [DatabaseHealthIndicator, QBankHealthIndicator, FreshnessHealthIndicator, GrantsHealthIndicator, ShutdownState],
  exports: [ShutdownState],
})
export class HealthModule {}
