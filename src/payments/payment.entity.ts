import { Column, Entity, PrimaryColumn } from 'typeorm';
import { minorUnits } from '../common/money.js';
import type { PaymentType } from '#qbank/contract';
import type { PaymentState } from './payment-state.js';

/** A payment the gateway sent (table `payments`); `payment_id` is the gateway's, known before QBank is called. */
@Entity('payments')
export class PaymentEntity {
  @PrimaryColumn({ name: 'payment_id', type: 'varchar' }) paymentId!: string;
  @Column({ name: 'qbank_payment_id', type: 'varchar', nullable: true }) qbankPaymentId!: string | null;
  @Column({ name: 'batch_id', type: 'varchar', nullable: true }) batchId!: string | null;
  @Column({ name: 'batch_index', type: 'integer', nullable: true }) batchIndex!: number | null;
  @Column({ type: 'varchar' }) type!: PaymentType;
  @Column({ type: 'varchar' }) status!: PaymentState;
  @Column({ name: 'amount_minor', type: 'bigint', transformer: minorUnits }) amountMinor!: bigint;
  @Column({ type: 'varchar' }) currency!: string;
  @Column({ name: 'debtor_account_id', type: 'varchar' }) debtorAccountId!: string;
  @Column({ name: 'to_account_id', type: 'varchar', nullable: true }) toAccountId!: string | null;
  @Column({ name: 'creditor_name', type: 'varchar', nullable: true }) creditorName!: string | null;
  @Column({ name: 'creditor_routing_number', type: 'varchar', nullable: true }) creditorRoutingNumber!: string | null;
  /** Only the last four digits are ever stored. */
  @Column({ name: 'creditor_account_masked', type: 'varchar', nullable: true }) creditorAccountMasked!: string | null;
  @Column({ name: 'creditor_account_type', type: 'varchar', nullable: true }) creditorAccountType!: string | null;
  /** A keyed hash of the creditor's routing and account number (`BeneficiaryFingerprints`): who was paid before. */
  @Column({ name: 'creditor_fingerprint', type: 'varchar', nullable: true }) creditorFingerprint!: string | null;
  @Column({ type: 'varchar', nullable: true }) description!: string | null;
  @Column({ name: 'failure_reason', type: 'varchar', nullable: true }) failureReason!: string | null;
  @Column({ type: 'varchar' }) actor!: string;
  @Column({ name: 'idempotency_key', type: 'varchar' }) idempotencyKey!: string;
  @Column({ name: 'request_id', type: 'varchar' }) requestId!: string;
  @Column({ name: 'created_at' }) createdAt!: Date;
  @Column({ name: 'updated_at' }) updatedAt!: Date;
  // Plain dates (`YYYY-MM-DD`, America/New_York) of the banking calendar; null on payments made before it.
  /** The day the caller asked for (default: the day it was initiated). */
  @Column({ name: 'requested_execution_date', type: 'varchar', nullable: true }) requestedExecutionDate!: string | null;
  /** The business day it goes to QBank. */
  @Column({ name: 'execution_date', type: 'varchar', nullable: true }) executionDate!: string | null;
  @Column({ name: 'expected_settlement_date', type: 'varchar', nullable: true }) expectedSettlementDate!: string | null;
  /** ACH: whether same-day settlement was asked for (null for wires and transfers). */
  @Column({ name: 'same_day', type: 'boolean', nullable: true }) sameDay!: boolean | null;
}

/**
 * `gateway`: recorded before QBank was called; `api`: QBank's answer; `recovery`: QBank's answer to the
 * recovery job's re-send; `poll`: a status read; `webhook`: QBank's notification; `approval`: a decision on
 * a payment awaiting approval, or a cancel of one that waits; `scheduler`: a scheduled payment released
 * when its window opened.
 */
export type StatusSource = 'gateway' | 'api' | 'recovery' | 'poll' | 'webhook' | 'approval' | 'scheduler';

/** Each status a payment took, when, and who said so (table `payment_status_history`). */
@Entity('payment_status_history')
export class PaymentStatusChange {
  @PrimaryColumn({ type: 'varchar' }) id!: string;
  @Column({ name: 'payment_id', type: 'varchar' }) paymentId!: string;
  @Column({ type: 'varchar' }) status!: PaymentState;
  @Column({ type: 'varchar' }) source!: StatusSource;
  @Column() at!: Date;
  @Column({ type: 'varchar', nullable: true }) detail!: string | null;
}

/** An ACH bulk (table `payment_batches`); its payments carry its `batch_id`. */
@Entity('payment_batches')
export class PaymentBatch {
  @PrimaryColumn({ name: 'batch_id', type: 'varchar' }) batchId!: string;
  @Column({ name: 'qbank_batch_id', type: 'varchar', nullable: true }) qbankBatchId!: string | null;
  @Column({ name: 'debtor_account_id', type: 'varchar' }) debtorAccountId!: string;
  @Column({ name: 'sec_code', type: 'varchar' }) secCode!: string;
  @Column({ type: 'varchar' }) actor!: string;
  @Column({ name: 'idempotency_key', type: 'varchar' }) idempotencyKey!: string;
  @Column({ name: 'request_id', type: 'varchar' }) requestId!: string;
  @Column({ name: 'created_at' }) createdAt!: Date;
}
