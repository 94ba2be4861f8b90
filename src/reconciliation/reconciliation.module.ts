import { Module } from '@nestjs/common';
import { PaymentsModule } from '../payments/payments.module.js';
import { ReconciliationController } from './reconciliation.controller.js';
import { UnpostedPayments } from './unposted-payments.js';

/** Reconciliation of what the gateway sent with what the bank posted. */
@Module({ imports: [PaymentsModule], controllers: [ReconciliationController], providers: [UnpostedPayments] })
export class ReconciliationModule {}
