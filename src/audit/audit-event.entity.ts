import { Column, Entity, PrimaryColumn } from 'typeorm';

export type AuditOutcome = 'success' | 'client_error' | 'denied' | 'upstream_error' | 'error';

/** `call`: one HTTP call; `payment`: a stored payment changed status; `sync`: a sync run; `audit`: retention. */
export type AuditKind = 'call' | 'payment' | 'sync' | 'audit';

/** Whole numbers from a bigint column (PostgreSQL hands them over as strings). */
const wholeNumber = {
  to: (value: number | null | undefined): number | null | undefined => value,
  from: (value: string | number | null): number | null => (value === null ? null : Number(value)),
};

/**
 * One audit event (table `audit_events`, documented in docs/data-model.md): an HTTP call, or a change to a
 * financial record, or a sync run. Append-only and hash-chained: `hash` covers the event's canonical
 * content and `prev_hash`, the hash of the event before it in the same chain (`chain_id`, `chain_seq`).
 */
@Entity('audit_events')
export class AuditEvent {
  @PrimaryColumn({ type: 'varchar' }) id!: string;
  @Column({ type: 'varchar' }) kind!: AuditKind;
  @Column({ name: 'occurred_at' }) occurredAt!: Date;
  /** The internal caller's client id; `qbank` for webhooks; `system` for the scheduler. */
  @Column({ type: 'varchar' }) actor!: string;
  /** Comma-separated role names of the caller. */
  @Column({ type: 'varchar' }) roles!: string;
  @Column({ type: 'varchar', nullable: true }) method!: string | null;
  /** The route pattern (`/v1/balances/:accountId`), null when no route matched. */
  @Column({ type: 'varchar', nullable: true }) route!: string | null;
  @Column({ type: 'varchar', nullable: true }) path!: string | null;
  /** `METHOD route` for calls; `payment.created`, `payment.status_changed`, `sync.run`, `audit.retention` otherwise. */
  @Column({ type: 'varchar' }) action!: string;
  @Column({ type: 'varchar', nullable: true }) scope!: string | null;
  @Column({ name: 'resource_type', type: 'varchar', nullable: true }) resourceType!: string | null;
  @Column({ name: 'resource_id', type: 'varchar', nullable: true }) resourceId!: string | null;
  /** HTTP status of a call; null for other kinds. */
  @Column({ type: 'integer', nullable: true }) status!: number | null;
  @Column({ type: 'varchar' }) outcome!: AuditOutcome;
  @Column({ name: 'error_code', type: 'varchar', nullable: true }) errorCode!: string | null;
  @Column({ name: 'latency_ms', type: 'double precision', nullable: true }) latencyMs!: number | null;
  @Column({ name: 'request_id', type: 'varchar' }) requestId!: string;
  @Column({ name: 'upstream_request_id', type: 'varchar', nullable: true }) upstreamRequestId!: string | null;
  @Column({ name: 'idempotency_key', type: 'varchar', nullable: true }) idempotencyKey!: string | null;
  @Column({ name: 'body_sha256', type: 'varchar', nullable: true }) bodySha256!: string | null;
  @Column({ name: 'client_ip', type: 'varchar', nullable: true }) clientIp!: string | null;
  /** Compact JSON: what changed (`{"from":"P_PENDING","to":"P_COMPLETED","source":"webhook"}`), run counts. */
  @Column({ type: 'varchar', nullable: true }) detail!: string | null;
  @Column({ name: 'chain_id', type: 'varchar', nullable: true }) chainId!: string | null;
  @Column({ name: 'chain_seq', type: 'bigint', nullable: true, transformer: wholeNumber }) chainSeq!: number | null;
  @Column({ name: 'prev_hash', type: 'varchar', nullable: true }) prevHash!: string | null;
  @Column({ type: 'varchar', nullable: true }) hash!: string | null;
}

/** Where retention cut a chain (table `audit_checkpoints`): the hash of the last event it removed. */
@Entity('audit_checkpoints')
export class AuditCheckpoint {
  @PrimaryColumn({ type: 'varchar' }) id!: string;
  @Column({ name: 'chain_id', type: 'varchar' }) chainId!: string;
  @Column({ name: 'chain_seq', type: 'bigint', transformer: wholeNumber }) chainSeq!: number;
  @Column({ type: 'varchar' }) hash!: string;
  @Column({ name: 'removed_before' }) removedBefore!: Date;
  @Column({ name: 'created_at' }) createdAt!: Date;
}
