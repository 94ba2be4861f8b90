import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A verified QBank webhook (table `webhook_events`), de-duplicated by payment and status. */
@Entity('webhook_events')
export class WebhookEventEntity {
  @PrimaryColumn({ type: 'varchar' }) id!: string;
  /** `<qbank payment id>:<status>`: the same change delivered twice is stored once. */
  @Column({ name: 'dedupe_key', type: 'varchar' }) dedupeKey!: string;
  @Column({ name: 'event_id', type: 'varchar' }) eventId!: string;
  @Column({ name: 'delivery_id', type: 'varchar', nullable: true }) deliveryId!: string | null;
  @Column({ name: 'qbank_payment_id', type: 'varchar' }) qbankPaymentId!: string;
  @Column({ type: 'varchar' }) status!: string;
  @Column({ name: 'received_at' }) receivedAt!: Date;
  /** Null while the payment is not known to the gateway yet; set when the event was applied (or refused). */
  @Column({ name: 'applied_at', nullable: true, type: Date }) appliedAt!: Date | null;
  /** Why the event was not applied: it contradicts the stored payment (its amount or currency differs). */
  @Column({ type: 'varchar', nullable: true }) refusal!: string | null;
  @Column({ type: 'text' }) payload!: string;
}
