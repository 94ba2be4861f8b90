import { Column, Entity, PrimaryColumn } from 'typeorm';
import { minorUnits } from '../common/money.js';

/**
 * What a caller has sent per payment type and UTC day (table `payment_daily_totals`): pending and
 * completed payments count; a failure gives its amount back. The daily limits raise one row instead of
 * summing the day's payments, and its row lock makes one caller's concurrent payments take turns.
 */
@Entity('payment_daily_totals')
export class PaymentDailyTotal {
  @PrimaryColumn({ type: 'varchar' }) actor!: string;
  @PrimaryColumn({ type: 'varchar' }) type!: string;
  /** The UTC day, `YYYY-MM-DD`. */
  @PrimaryColumn({ type: 'varchar' }) day!: string;
  @Column({ name: 'total_minor', type: 'bigint', transformer: minorUnits }) totalMinor!: bigint;
}
