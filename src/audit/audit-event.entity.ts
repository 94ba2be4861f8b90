import { Column, Entity, PrimaryColumn } from 'typeorm';

export type AuditOutcome = 'success' | 'client_error' | 'denied' | 'upstream_error' | 'error';

/** One call through the gateway (table `audit_events`, documented in docs/data-model.md). */
@Entity('audit_events')
export class AuditEvent {
  @PrimaryColumn({ type: 'varchar' }) id!: string;
  @Column({ name: 'occurred_at' }) occurredAt!: Date;
  @Column({ type: 'varchar' }) actor!: string;
  /** Comma-separated role names of the caller. */
  @Column({ type: 'varchar' }) roles!: string;
  @Column({ type: 'varchar' }) method!: string;
  /** The route pattern (`/v1/balances/:accountId`), null when no route matched. */
  @Column({ type: 'varchar', nullable: true }) route!: string | null;
  @Column({ type: 'varchar' }) path!: string;
  /** `METHOD route` — what was attempted. */
  @Column({ type: 'varchar' }) action!: string;
  @Column({ type: 'varchar', nullable: true }) scope!: string | null;
  @Column({ name: 'resource_id', type: 'varchar', nullable: true }) resourceId!: string | null;
  @Column({ type: 'integer' }) status!: number;
  @Column({ type: 'varchar' }) outcome!: AuditOutcome;
  @Column({ name: 'error_code', type: 'varchar', nullable: true }) errorCode!: string | null;
  @Column({ name: 'latency_ms', type: 'double precision' }) latencyMs!: number;
  @Column({ name: 'request_id', type: 'varchar' }) requestId!: string;
  @Column({ name: 'upstream_request_id', type: 'varchar', nullable: true }) upstreamRequestId!: string | null;
  @Column({ name: 'idempotency_key', type: 'varchar', nullable: true }) idempotencyKey!: string | null;
  @Column({ name: 'body_sha256', type: 'varchar', nullable: true }) bodySha256!: string | null;
  @Column({ name: 'client_ip', type: 'varchar', nullable: true }) clientIp!: string | null;
}
