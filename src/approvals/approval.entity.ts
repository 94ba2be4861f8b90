import { Column, Entity, PrimaryColumn } from 'typeorm';
import { minorUnits } from '../common/money.js';
import type { PaymentType } from '#qbank/contract';

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled';

/**
 * What a payment (or an ACH batch, decided as a whole) that matched approval policies needs before it is
 * sent (table `approval_requests`); `resource_id` is the payment's or the batch's id.
 */
@Entity('approval_requests')
export class ApprovalRequest {
  @PrimaryColumn({ name: 'resource_id', type: 'varchar' }) resourceId!: string;
  @Column({ name: 'payment_type', type: 'varchar' }) paymentType!: PaymentType;
  /** The payment's amount; an ACH batch's total. */
  @Column({ name: 'amount_minor', type: 'bigint', transformer: minorUnits }) amountMinor!: bigint;
  @Column({ name: 'debtor_account_id', type: 'varchar' }) debtorAccountId!: string;
  @Column({ name: 'initiated_by', type: 'varchar' }) initiatedBy!: string;
  /** The initiating request's idempotency record: it holds what QBank will be sent, and the key to send it with. */
  @Column({ name: 'idempotency_record_id', type: 'varchar' }) idempotencyRecordId!: string;
  @Column({ type: 'integer' }) required!: number;
  /** Comma-separated: an approver holds at least one of them. */
  @Column({ name: 'approver_roles', type: 'varchar' }) approverRoles!: string;
  /** Comma-separated names of the policies that matched. */
  @Column({ type: 'varchar' }) policies!: string;
  @Column({ type: 'varchar' }) status!: ApprovalStatus;
  @Column({ name: 'expires_at' }) expiresAt!: Date;
  @Column({ name: 'created_at' }) createdAt!: Date;
  @Column({ name: 'decided_at', type: Date, nullable: true }) decidedAt!: Date | null;
}

/** One approver's decision on an approval request (table `approval_decisions`), taken once. */
@Entity('approval_decisions')
export class ApprovalDecision {
  @PrimaryColumn({ type: 'varchar' }) id!: string;
  @Column({ name: 'resource_id', type: 'varchar' }) resourceId!: string;
  @Column({ type: 'varchar' }) approver!: string;
  @Column({ type: 'varchar' }) decision!: 'approve' | 'reject';
  @Column({ type: 'varchar', nullable: true }) comment!: string | null;
  @Column() at!: Date;
}
