import { Global, Module } from '@nestjs/common';
import { Outbox } from './outbox.js';

/** The outbox, for every module whose changes are events (payments, approvals, syncs, Positive Pay). */
@Global()
@Module({ providers: [Outbox], exports: [Outbox] })
export class OutboxModule {}
