import { Column, Entity, PrimaryColumn } from 'typeorm';
import { minorUnits } from '../common/money.js';

/** A posted transaction (table `transactions`), stored once by QBank's id; its three dates in their own types. */
@Entity('transactions')
export class TransactionEntity {
  @PrimaryColumn({ name: 'transaction_id', type: 'varchar' }) transactionId!: string;
  @Column({ name: 'account_id', type: 'varchar' }) accountId!: string;
  @Column({ type: 'varchar' }) type!: string;
  @Column({ type: 'varchar' }) direction!: string;
  @Column({ name: 'amount_minor', type: 'bigint', transformer: minorUnits }) amountMinor!: bigint;
  @Column({ type: 'varchar' }) currency!: string;
  @Column({ type: 'varchar' }) description!: string;
  /** When the customer or ERP initiated it. */
  @Column({ name: 'transaction_date' }) transactionDate!: Date;
  /** When funds moved (interest): a plain date. */
  @Column({ name: 'value_date', type: 'date' }) valueDate!: string;
  /** When QBank's end-of-day run made it visible. */
  @Column({ name: 'posting_date' }) postingDate!: Date;
  @Column({ name: 'qbank_payment_id', type: 'varchar', nullable: true }) qbankPaymentId!: string | null;
  /** The gateway's payment this posting results from, when the gateway sent it. */
  @Column({ name: 'payment_id', type: 'varchar', nullable: true }) paymentId!: string | null;
  @Column({ name: 'check_number', type: 'varchar', nullable: true }) checkNumber!: string | null;
  @Column({ name: 'synced_at' }) syncedAt!: Date;
}
