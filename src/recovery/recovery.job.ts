import { Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { SYSTEM } from '../audit/audit-event.factory.js';
import { GatewayConfig } from '../config/gateway-config.js';
import type { IdempotencyRecord } from '../idempotency/idempotency-record.entity.js';
import { IdempotencyService, isDefinitiveRefusal } from '../idempotency/idempotency.service.js';
import { LeasedJob } from '../leases/leased-job.js';
import { Leases } from '../leases/leases.js';
import { PaymentsService } from '../payments/payments.service.js';
import { PositivePayService } from '../positivepay/positivepay.service.js';

/** Records taken per run; the next run continues. */
const BATCH = 100;

/**
 * Resolves unknown outcomes without waiting for the caller (contract §7): every
 * `PAYMENTS_RECOVERY_INTERVAL_SECONDS`, on the one replica that holds the lease, each in-flight record
 * whose holder is gone (its lease expired: the gateway crashed or timed out after sending it) is taken over
 * and re-sent with its upstream key — QBank answers with the original result — and the payment, its
 * history, its audit trail (actor `system`) and the stored answer are completed as the request would have.
 * A record QBank still does not answer stays for the next run (or the caller's retry).
 */
@Injectable()
export class RecoveryJob extends LeasedJob {
  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly payments: PaymentsService,
    private readonly positivePay: PositivePayService,
    leases: Leases,
    registry: SchedulerRegistry,
    config: GatewayConfig,
  ) {
    // The lease (two intervals) is renewed per record: a replica that dies mid-run holds recovery up two
    // intervals at most. (Runs that overlap after a lapse are harmless: each record is taken over by one only.)
    super('payments-recovery', config.payments.recoveryIntervalSeconds * 1000, leases, registry);
  }

  /** Answers how many records it resolved. */
  protected async work(): Promise<number> {
    let resolved = 0;
    for (const abandoned of await this.idempotency.abandoned(BATCH)) {
      await this.renew();
      const record = await this.idempotency.takeOver(abandoned);
      if (!record) continue; // a retry or another run took it first
      const context = { operation: record.operation, resource_id: record.resourceId, attempts: record.attempts };
      try {
        await this.resend(record);
      } catch (err) {
        // QBank refusing the request is an outcome too (stored, the payment failed); anything else waits.
        if (!isDefinitiveRefusal(err)) {
          this.logger.warn({ ...context, err }, 'unknown outcome not resolved yet');
          continue;
        }
      }
      resolved += 1;
      this.logger.log(context, 'unknown outcome resolved');
    }
    return resolved;
  }

  private resend(record: IdempotencyRecord): Promise<unknown> {
    return record.operation === 'positivepay_issue'
      ? this.positivePay.send(record, SYSTEM)
      : this.payments.send(record, SYSTEM, 'recovery');
  }
}
