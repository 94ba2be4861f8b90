import { Global, Module } from '@nestjs/common';
import { DataAsOf } from './data-as-of.js';
import { DataAsOfInterceptor } from './data-as-of.interceptor.js';
import { SyncRunRepository } from './sync-run.repository.js';

/** The record of sync runs and what it says of the synced data's age: what reads of synced data need. */
@Global()
@Module({ providers: [SyncRunRepository, DataAsOf, DataAsOfInterceptor], exports: [SyncRunRepository, DataAsOf, DataAsOfInterceptor] })
export class SyncRunsModule {}
