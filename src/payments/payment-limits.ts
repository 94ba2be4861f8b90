import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PaymentType } from '#qbank/contract';
import { GatewayError } from '../common/errors/gateway-errors.js';
import { formatMinor, parseMinor } from '../common/money.js';
import type { Caller } from '../common/request-context.js';
import { GatewayConfig, type PaymentLimit } from '../config/gateway-config.js';
import { PaymentEntity } from './payment.entity.js';

type LimitedType = 'WIRE' | 'TRANSFER' | 'ACH';

/** The caller's limits for one payment type, in minor units, and where each comes from (named in refusals). */
interface Effective {
  perPayment?: { minor: bigint; from: string };
  perDay?: { minor: bigint; from: string };
}

/**
 * Per-caller payment limits (`limits.payments` in the configuration): the largest single payment and the
 * most per UTC day, per payment type. Checked inside the transaction that records the new payments, before
 * QBank is called; on PostgreSQL a transaction-scoped advisory lock per (caller, type) makes two concurrent
 * requests of one caller see each other's amounts, so together they cannot pass the daily limit (SQLite
 * runs those transactions one at a time). A refusal is 422 `GW_LIMIT_EXCEEDED`, naming the limit.
 */
@Injectable()
export class PaymentLimits {
  constructor(private readonly config: GatewayConfig) {}

  private effective(caller: Caller, type: LimitedType): Effective {
    const { roles = {}, callers = {} } = this.config.limits.payments ?? {};
    const candidates: [string, PaymentLimit][] = callers[caller.sub]?.[type]
      ? [[`caller ${caller.sub}`, callers[caller.sub]![type]!]]
      : caller.roles.filter((role) => roles[role]?.[type]).map((role) => [`role ${role}`, roles[role]![type]!]);
    const best = (field: keyof PaymentLimit): Effective[keyof Effective] => {
      // A role without this field sets no bound of its own: the highest (or absent) wins.
      if (candidates.some(([, limit]) => limit[field] === undefined)) return undefined;
      const [from, limit] = candidates.reduce((a, b) => (parseMinor(b[1][field]!) > parseMinor(a[1][field]!) ? b : a));
      return { minor: parseMinor(limit[field]!), from };
    };
    return candidates.length ? { perPayment: best('perPayment'), perDay: best('perDay') } : {};
  }

  /** Refuses `amounts` (minor units) of `type` for `caller` when one exceeds a limit; run it in the recording transaction. */
  async check(manager: EntityManager, caller: Caller, type: PaymentType, amounts: bigint[]): Promise<void> {
    if (type !== 'WIRE' && type !== 'TRANSFER' && type !== 'ACH') return;
    const limits = this.effective(caller, type);
    const label = type.toLowerCase();
    if (limits.perPayment) {
      const over = amounts.find((amount) => amount > limits.perPayment!.minor);
      if (over !== undefined)
        throw new GatewayError(
          422,
          'GW_LIMIT_EXCEEDED',
          `amount ${formatMinor(over)} exceeds the per-payment ${label} limit of ${formatMinor(limits.perPayment.minor)} (${limits.perPayment.from})`,
        );
    }
    if (!limits.perDay) return;
    if (manager.connection.options.type === 'postgres')
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`payment-limit:${caller.sub}:${type}`]);
    const dayStart = new Date(new Date().toISOString().slice(0, 10) + 'T00:00:00.000Z');
    const sent = await manager
      .createQueryBuilder(PaymentEntity, 'p')
      .select('COALESCE(SUM(p.amount_minor), 0)', 'total')
      .where("p.actor = :actor AND p.type = :type AND p.created_at >= :dayStart AND p.status <> 'P_FAILED'", {
        actor: caller.sub,
        type,
        dayStart,
      })
      .getRawOne<{ total: string | number }>();
    const total = BigInt(sent?.total ?? 0) + amounts.reduce((sum, a) => sum + a, 0n);
    if (total > limits.perDay.minor)
      throw new GatewayError(
        422,
        'GW_LIMIT_EXCEEDED',
        `today's ${label} payments would reach ${formatMinor(total)}, over the daily ${label} limit of ${formatMinor(limits.perDay.minor)} (${limits.perDay.from})`,
      );
  }
}
