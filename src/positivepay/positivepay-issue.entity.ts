import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A Positive Pay issue file sent through the gateway (table `positivepay_issues`). */
@Entity('positivepay_issues')
export class PositivePayIssueEntity {
  @PrimaryColumn({ name: 'issue_id', type: 'varchar' }) issueId!: string;
  @Column({ name: 'qbank_issue_id', type: 'varchar', nullable: true }) qbankIssueId!: string | null;
  @Column({ name: 'account_id', type: 'varchar' }) accountId!: string;
  @Column({ type: 'varchar' }) status!: string;
  /** The checks with their per-check status, as JSON. */
  @Column({ type: 'text' }) checks!: string;
  @Column({ type: 'varchar' }) actor!: string;
  @Column({ name: 'idempotency_key', type: 'varchar' }) idempotencyKey!: string;
  @Column({ name: 'request_id', type: 'varchar' }) requestId!: string;
  @Column({ name: 'created_at' }) createdAt!: Date;
  @Column({ name: 'updated_at' }) updatedAt!: Date;
}
