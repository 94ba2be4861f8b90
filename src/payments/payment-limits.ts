import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PaymentType } from '#qbank/contract';
import { GatewayError } from '../common/errors/gateway-errors.js';
import { formatMinor, parseMinor } from '../common/money.js';
import type { Caller } from '../common/request-context.js';
import { GatewayConfig, type PaymentLimit } from '../config/gateway-config.js';
import { placeholders } from '../database/prepared-statements.js';
import { TransactionRunner } from '../database/transaction-runner.js';

type LimitedType = 'WIRE' | 'TRANSFER' | 'ACH';

/** The caller's limits for one payment type, in minor units, and where each comes from (named in refusals). */
interface Effective {
  perPayment?: { minor: bigint; from: string };
  perDay?: { minor: bigint; from: string };
}

/**
 * Per-caller payment limits (`limits.payments` in the configuration): the largest single payment and the
 * most per UTC day, per payment type. Checked inside the transaction that records the new payments, before
 * QBank is called, against a running total per (caller, type, day) in `payment_daily_totals`. A refusal is
 * 422 `GW_LIMIT_EXCEEDED`, naming the limit.
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

  /**
   * Refuses `amounts` (minor units) of `type` for `caller` when one exceeds a limit, and raises the caller's
   * running total of the day; run it in the transaction that records the payments.
   */
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
    const perDay = limits.perDay;
    const amount = amounts.reduce((sum, a) => sum + a, 0n);
    const day = utcDay(new Date());
    const refusal = (total: bigint) =>
      new GatewayError(
        422,
        'GW_LIMIT_EXCEEDED',
        `today's ${label} payments would reach ${formatMinor(total)}, over the daily ${label} limit of ${formatMinor(perDay.minor)} (${perDay.from})`,
      );
    if (amount > perDay.minor) throw refusal(amount);
    // One row per (caller, type, day), raised with the payments' own writes. Its row lock makes concurrent
    // payments of one caller take turns, and its CHECK constraint (total within the limit stored beside it)
    // makes the database refuse the raise — and with it the whole transaction — past the limit.
    const p = placeholders(manager.connection);
    await TransactionRunner.stage(manager, {
      sql: `INSERT INTO payment_daily_totals (actor, type, day, total_minor, limit_minor) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)})
       ON CONFLICT (actor, type, day) DO UPDATE SET total_minor = payment_daily_totals.total_minor + excluded.total_minor, limit_minor = excluded.limit_minor`,
      params: [caller.sub, type, day, amount.toString(), perDay.minor.toString()],
      keys: [`payment_daily_totals:${JSON.stringify([caller.sub, type, day])}`],
      failure: async (error, query) => {
        if (!String((error as { message?: unknown }).message).includes(LIMIT_CONSTRAINT)) return undefined;
        // For the message only: what the caller has sent today, read outside the refused transaction.
        const rows = await query<{ total_minor: string | number }>(
          `SELECT total_minor FROM payment_daily_totals WHERE actor = ${p(1)} AND type = ${p(2)} AND day = ${p(3)}`,
          [caller.sub, type, day],
        );
        return refusal(BigInt(rows[0]?.total_minor ?? 0) + amount);
      },
    });
  }
}

/** The constraint that keeps a running total within its limit (migration 1764500000000). */
const LIMIT_CONSTRAINT = 'payment_daily_totals_within_limit';

export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

/** A failed payment gives its amount back to its caller's total of that day (when a limit keeps one). */
export async function releaseDailyTotal(
  manager: EntityManager,
  actor: string,
  type: string,
  createdAt: Date,
  amountMinor: bigint,
): Promise<void> {
  const p = placeholders(manager.connection);
  await manager.query(
    `UPDATE payment_daily_totals SET total_minor = total_minor - ${p(1)} WHERE actor = ${p(2)} AND type = ${p(3)} AND day = ${p(4)}`,
    [amountMinor.toString(), actor, type, utcDay(createdAt)],
  );
}
