import { Module } from '@nestjs/common';
import { PaymentsModule } from '../payments/payments.module.js';
import { PositivePayModule } from '../positivepay/positivepay.module.js';
import { RecoveryJob } from './recovery.job.js';

/** The job that resolves payments whose QBank answer was lost. */
@Module({ imports: [PaymentsModule, PositivePayModule], providers: [RecoveryJob], exports: [RecoveryJob] })
export class RecoveryModule {}
