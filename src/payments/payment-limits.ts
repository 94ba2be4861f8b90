import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PaymentType } from '#qbank/contract';
import { GatewayError } from '../common/errors/gateway-errors.js';
import { formatMinor, parseMinor } from '../common/money.js';
import type { Caller } from '../common/request-context.js';
import { GatewayConfig, type PaymentLimit } from '../config/gateway-config.js';
import { DailyTotalsRepository } from './daily-totals.repository.js';
import type { PaymentEntity } from './payment.entity.js';

type LimitedType = 'WIRE' | 'TRANSFER' | 'ACH';

/** The caller's limits for one payment type, in minor units, and where each comes from (named in refusals). */
interface Effective {
  perPayment?: { minor: bigint; from: string };
  perDay?: { minor: bigint; from: string };
}

/**
 * Per-caller payment limits (`limits.payments` in the configuration): the largest single payment and the
 * most per UTC day, per payment type. Checked inside the transaction that records the new payments, before
 * QBank is called, against a running total per (caller, type, day). A refusal is 422 `GW_LIMIT_EXCEEDED`,
 * naming the limit.
 */
@Injectable()
export class PaymentLimits {
  constructor(
    private readonly config: GatewayConfig,
    private readonly totals: DailyTotalsRepository,
  ) {}

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

  /**
   * Refuses `amounts` (minor units) of `type` for `caller` when one exceeds a limit, and otherwise reserves
   * them in the caller's running total of `day` (the UTC day the payment is recorded); run it in the
   * transaction that records the payments, which a refusal rolls back.
   */
  async reserve(manager: EntityManager, caller: Caller, type: PaymentType, amounts: bigint[], day: string): Promise<void> {
    if (!isLimited(type)) return;
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
    const amount = amounts.reduce((sum, a) => sum + a, 0n);
    // The row's lock (held until the transaction ends) makes one caller's concurrent payments take turns.
    const total = await this.totals.add(manager, { actor: caller.sub, type, day }, amount);
    if (total > limits.perDay.minor)
      throw new GatewayError(
        422,
        'GW_LIMIT_EXCEEDED',
        `today's ${label} payments would reach ${formatMinor(total)}, over the daily ${label} limit of ${formatMinor(limits.perDay.minor)} (${limits.perDay.from})`,
      );
  }

  /** Gives a payment's reservation back (it failed, or will never be sent). */
  async release(manager: EntityManager, payment: Pick<PaymentEntity, 'actor' | 'type' | 'createdAt' | 'amountMinor'>): Promise<void> {
    if (isLimited(payment.type))
      await this.totals.subtract(
        manager,
        { actor: payment.actor, type: payment.type, day: utcDay(payment.createdAt) },
        payment.amountMinor,
      );
  }
}

const isLimited = (type: PaymentType): type is LimitedType => type === 'WIRE' || type === 'TRANSFER' || type === 'ACH';

export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);
