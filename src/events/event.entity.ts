import { Column, Entity, PrimaryColumn } from 'typeorm';

/** bigint columns read back as numbers (sequences stay far below 2^53). */
const seqNumber = {
  to: (value: number | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

/**
 * One event of the outbox (table `events`), written in the transaction of the change it describes. `body`
 * is what is delivered and signed, byte for byte: `{ id, type, timestamp, data }`.
 */
@Entity('events')
export class OutboxEvent {
  // Assigned by the database on insert (autoincrement, identity).
  @PrimaryColumn({ type: 'bigint', transformer: seqNumber, insert: false, update: false }) seq!: number;
  @Column({ type: 'varchar' }) id!: string;
  @Column({ type: 'varchar' }) type!: string;
  /** What the event is about (a payment, a sync run, an exception): one subject's events are delivered in order. */
  @Column({ type: 'varchar' }) subject!: string;
  /** The account whose grants let a caller see it (a payment's debtor account); null: no account. */
  @Column({ name: 'account_id', type: 'varchar', nullable: true }) accountId!: string | null;
  /** The caller that initiated the payment (it sees its own payments' events); null: nobody's. */
  @Column({ name: 'initiated_by', type: 'varchar', nullable: true }) initiatedBy!: string | null;
  @Column({ name: 'occurred_at' }) occurredAt!: Date;
  @Column({ type: 'text' }) body!: string;
}

export type SubscriptionStatus = 'active' | 'disabled';

/** A subscriber's endpoint (table `event_subscriptions`); its secrets are stored sealed, never in the clear. */
@Entity('event_subscriptions')
export class EventSubscription {
  @PrimaryColumn({ type: 'varchar' }) id!: string;
  /** The caller that created it (its token's `sub`) and its roles then: what it may receive. */
  @Column({ type: 'varchar' }) owner!: string;
  @Column({ name: 'owner_roles', type: 'varchar' }) ownerRoles!: string;
  @Column({ type: 'varchar' }) url!: string;
  /** Comma-separated. */
  @Column({ name: 'event_types', type: 'varchar' }) eventTypes!: string;
  /** Comma-separated account ids narrowing what it receives; null: every account its owner may read. */
  @Column({ type: 'text', nullable: true }) accounts!: string | null;
  @Column({ type: 'varchar' }) status!: SubscriptionStatus;
  @Column({ name: 'disabled_reason', type: 'varchar', nullable: true }) disabledReason!: string | null;
  @Column({ name: 'secret_sealed', type: 'varchar' }) secretSealed!: string;
  @Column({ name: 'previous_secret_sealed', type: 'varchar', nullable: true }) previousSecretSealed!: string | null;
  @Column({ name: 'previous_secret_expires_at', type: Date, nullable: true }) previousSecretExpiresAt!: Date | null;
  @Column({ name: 'created_at' }) createdAt!: Date;
  @Column({ name: 'updated_at' }) updatedAt!: Date;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event owed to one subscription (table `event_deliveries`), written with the event. */
@Entity('event_deliveries')
export class EventDelivery {
  @PrimaryColumn({ type: 'varchar' }) id!: string;
  @Column({ name: 'event_seq', type: 'bigint', transformer: seqNumber }) eventSeq!: number;
  @Column({ name: 'event_id', type: 'varchar' }) eventId!: string;
  @Column({ name: 'subscription_id', type: 'varchar' }) subscriptionId!: string;
  @Column({ type: 'varchar' }) subject!: string;
  @Column({ type: 'varchar' }) status!: DeliveryStatus;
  @Column({ type: 'integer' }) attempts!: number;
  @Column({ name: 'next_attempt_at' }) nextAttemptAt!: Date;
  /** A worker is sending it until then (a worker that died lets it go when this passes). */
  @Column({ name: 'locked_until', type: Date, nullable: true }) lockedUntil!: Date | null;
  @Column({ name: 'last_status_code', type: 'integer', nullable: true }) lastStatusCode!: number | null;
  @Column({ name: 'last_error', type: 'varchar', nullable: true }) lastError!: string | null;
  @Column({ name: 'delivered_at', type: Date, nullable: true }) deliveredAt!: Date | null;
  @Column({ name: 'created_at' }) createdAt!: Date;
}

/** One try at a delivery (table `event_delivery_attempts`). */
@Entity('event_delivery_attempts')
export class EventDeliveryAttempt {
  @PrimaryColumn({ type: 'varchar' }) id!: string;
  @Column({ name: 'delivery_id', type: 'varchar' }) deliveryId!: string;
  @Column({ type: 'integer' }) attempt!: number;
  @Column({ name: 'attempted_at' }) attemptedAt!: Date;
  @Column({ name: 'status_code', type: 'integer', nullable: true }) statusCode!: number | null;
  @Column({ name: 'latency_ms', type: 'integer' }) latencyMs!: number;
  @Column({ type: 'varchar', nullable: true }) error!: string | null;
}
