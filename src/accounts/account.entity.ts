import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An account as QBank's nightly ETL publishes it (table `accounts`); never deleted, marked closed when it disappears. */
@Entity('accounts')
export class AccountEntity {
  @PrimaryColumn({ name: 'account_id', type: 'varchar' }) accountId!: string;
  @Column({ name: 'account_number_masked', type: 'varchar' }) accountNumberMasked!: string;
  @Column({ name: 'account_type', type: 'varchar' }) accountType!: string;
  @Column({ type: 'varchar' }) name!: string;
  @Column({ type: 'varchar' }) currency!: string;
  @Column({ type: 'varchar' }) status!: string;
  @Column({ name: 'routing_number', type: 'varchar' }) routingNumber!: string;
  @Column({ name: 'opened_date', type: 'date' }) openedDate!: string;
  @Column({ name: 'qbank_updated_at' }) qbankUpdatedAt!: Date;
  @Column({ name: 'closed_at', nullable: true, type: Date }) closedAt!: Date | null;
  @Column({ name: 'first_synced_at' }) firstSyncedAt!: Date;
  @Column({ name: 'last_synced_at' }) lastSyncedAt!: Date;
}
