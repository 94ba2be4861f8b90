import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * `in_flight`: held by a request (or the recovery job) until its lease expires; `held`: answered but not sent
 * yet (awaiting approval), its request kept sealed; `completed`: QBank has answered, or never will be asked.
 */
export type IdempotencyState = 'in_flight' | 'held' | 'completed';

/** One caller's `Idempotency-Key` for one transactional POST (table `idempotency_records`). */
@Entity('idempotency_records')
export class IdempotencyRecord {
  @PrimaryColumn({ type: 'varchar' }) id!: string;
  @Column({ type: 'varchar' }) caller!: string;
  @Column({ name: 'caller_key', type: 'varchar' }) callerKey!: string;
  /** `wire`, `transfer`, `ach` or `positivepay_issue`. */
  @Column({ type: 'varchar' }) operation!: string;
  /** SHA-256 of the operation and the canonical, validated request body. */
  @Column({ type: 'varchar' }) fingerprint!: string;
  /** The key sent to QBank: a fresh UUID v4 per record, re-sent on every retry of it. */
  @Column({ name: 'upstream_key', type: 'varchar' }) upstreamKey!: string;
  /** The gateway's id of what the request creates (payment id, ACH batch id, issue id). */
  @Column({ name: 'resource_id', type: 'varchar' }) resourceId!: string;
  @Column({ type: 'varchar' }) state!: IdempotencyState;
  @Column({ name: 'lease_expires_at' }) leaseExpiresAt!: Date;
  @Column({ type: 'integer' }) attempts!: number;
  @Column({ name: 'response_status', type: 'integer', nullable: true }) responseStatus!: number | null;
  @Column({ name: 'response_body', type: 'text', nullable: true }) responseBody!: string | null;
  /**
   * The request QBank is sent, sealed (AES-256-GCM, see `RequestSealer`): what the recovery job re-sends
   * when an answer was lost. It holds full account numbers, so it is dropped once QBank has answered.
   */
  @Column({ name: 'upstream_request', type: 'text', nullable: true }) upstreamRequest!: string | null;
  @Column({ name: 'created_at' }) createdAt!: Date;
  @Column({ name: 'updated_at' }) updatedAt!: Date;
  @Column({ name: 'expires_at' }) expiresAt!: Date;
}
