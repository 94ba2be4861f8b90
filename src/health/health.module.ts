import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller.js';
import { SyncModule } from '../sync/sync.module.js';
import { DatabaseHealthIndicator } from './database.health.js';
import { FreshnessHealthIndicator } from './freshness.health.js';
import { QBankHealthIndicator } from './qbank.health.js';
import { ShutdownState } from './shutdown-state.js';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), SyncModule],
  controllers: [HealthController],
  providers: [DatabaseHealthIndicator, QBankHealthIndicator, FreshnessHealthIndicator, ShutdownState],
  exports: [ShutdownState],
})
export class HealthModule {}
