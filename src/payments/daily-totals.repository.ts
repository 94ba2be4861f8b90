import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { PaymentDailyTotal } from './payment-daily-total.entity.js';

/** One caller's running total of one payment type on one UTC day. */
export interface DailyTotalKey {
  actor: string;
  type: string;
  day: string;
}

/** The running daily totals behind the per-day payment limits (table `payment_daily_totals`). */
@Injectable()
export class DailyTotalsRepository {
  /** Adds `amount` (minor units) to the total, creating it at the day's first payment; answers the new total. */
  async add(manager: EntityManager, key: DailyTotalKey, amount: bigint): Promise<bigint> {
    // TypeORM's upsert can only overwrite a column, not add to it: one INSERT … ON CONFLICT DO UPDATE … RETURNING.
    const [sql, parameters] = manager.connection.driver.escapeQueryWithParameters(
      `INSERT INTO payment_daily_totals (actor, type, day, total_minor) VALUES (:actor, :type, :day, :amount)
       ON CONFLICT (actor, type, day) DO UPDATE SET total_minor = payment_daily_totals.total_minor + excluded.total_minor
       RETURNING total_minor`,
      { ...key, amount: amount.toString() },
    );
    const [row] = await manager.query<{ total_minor: string | number }[]>(sql, parameters);
    return BigInt(row!.total_minor);
  }

  /** Gives `amount` back (a payment that failed or will never be sent). */
  async subtract(manager: EntityManager, key: DailyTotalKey, amount: bigint): Promise<void> {
    await manager
      .createQueryBuilder()
      .update(PaymentDailyTotal)
      .set({ totalMinor: () => 'total_minor - :amount' })
      .where('actor = :actor AND type = :type AND day = :day', key)
      .setParameter('amount', amount.toString())
      .execute();
  }
}
