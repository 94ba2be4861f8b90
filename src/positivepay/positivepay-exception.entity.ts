import { Column, Entity, PrimaryColumn } from 'typeorm';
import { minorUnits } from '../common/money.js';

/** A presented check that matches no issued one (table `positivepay_exceptions`), from QBank's daily snapshot. */
@Entity('positivepay_exceptions')
export class PositivePayExceptionEntity {
  @PrimaryColumn({ name: 'exception_id', type: 'varchar' }) exceptionId!: string;
  @Column({ name: 'account_id', type: 'varchar' }) accountId!: string;
  @Column({ name: 'check_number', type: 'varchar' }) checkNumber!: string;
  @Column({ name: 'presented_amount_minor', type: 'bigint', transformer: minorUnits }) presentedAmountMinor!: bigint;
  @Column({ name: 'issued_amount_minor', type: 'bigint', nullable: true, transformer: minorUnits }) issuedAmountMinor!: bigint | null;
  @Column({ name: 'payee_name', type: 'varchar', nullable: true }) payeeName!: string | null;
  @Column({ name: 'presented_date', type: 'date' }) presentedDate!: string;
  @Column({ type: 'varchar' }) reason!: string;
  @Column({ type: 'varchar' }) status!: string;
  @Column({ name: 'decision_deadline' }) decisionDeadline!: Date;
  /** Set when the exception is no longer in QBank's snapshot. */
  @Column({ name: 'resolved_at', nullable: true, type: Date }) resolvedAt!: Date | null;
  @Column({ name: 'last_synced_at' }) lastSyncedAt!: Date;
}
