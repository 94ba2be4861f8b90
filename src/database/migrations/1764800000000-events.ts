import type { MigrationInterface, QueryRunner } from 'typeorm';
import { columnTypes } from './column-types.js';

/**
 * Events to internal subscribers (contract §14):
 * - `events`, the outbox: one row per event, written in the transaction of the change it describes, with
 *   what access needs (the payment's debtor account and initiator). `seq` orders it; on PostgreSQL `xid`
 *   (the writing transaction's id, `pg_current_xact_id()`) lets the feed serve only transactions that have
 *   ended (see `EventFeed`);
 * - `event_subscriptions`, with their signing secrets sealed (AES-256-GCM, the request keys);
 * - `event_deliveries`, one per event and subscription, written with the event; and their attempts.
 */
export class Events1764800000000 implements MigrationInterface {
  name = 'Events1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    const { uuid, timestamp: ts, postgres } = columnTypes(queryRunner);
    const seq = postgres ? 'bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY' : 'integer PRIMARY KEY AUTOINCREMENT';
    await q(`
      CREATE TABLE events (
        seq ${seq},
        id ${uuid} NOT NULL UNIQUE,
        type varchar(64) NOT NULL,
        subject varchar(64) NOT NULL,
        account_id varchar(36),
        initiated_by varchar(200),
        occurred_at ${ts} NOT NULL,
        body text NOT NULL${postgres ? ',\n        xid xid8 NOT NULL DEFAULT pg_current_xact_id()' : ''}
      )`);
    if (postgres) await q(`CREATE INDEX events_commit_order ON events (xid, seq)`);
    await q(`CREATE INDEX events_occurred_at ON events (occurred_at)`);
    await q(`
      CREATE TABLE event_subscriptions (
        id ${uuid} PRIMARY KEY,
        owner varchar(200) NOT NULL,
        owner_roles varchar(1000) NOT NULL,
        url varchar(2000) NOT NULL,
        event_types varchar(1000) NOT NULL,
        accounts text,
        status varchar(16) NOT NULL,
        disabled_reason varchar(500),
        secret_sealed varchar(500) NOT NULL,
        previous_secret_sealed varchar(500),
        previous_secret_expires_at ${ts},
        created_at ${ts} NOT NULL,
        updated_at ${ts} NOT NULL
      )`);
    await q(`CREATE INDEX event_subscriptions_owner ON event_subscriptions (owner)`);
    await q(`
      CREATE TABLE event_deliveries (
        id ${uuid} PRIMARY KEY,
        event_seq bigint NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
        event_id ${uuid} NOT NULL,
        subscription_id ${uuid} NOT NULL REFERENCES event_subscriptions (id) ON DELETE CASCADE,
        subject varchar(64) NOT NULL,
        status varchar(16) NOT NULL,
        attempts integer NOT NULL,
        next_attempt_at ${ts} NOT NULL,
        locked_until ${ts},
        last_status_code integer,
        last_error varchar(500),
        delivered_at ${ts},
        created_at ${ts} NOT NULL,
        CONSTRAINT event_deliveries_once UNIQUE (subscription_id, event_seq)
      )`);
    await q(`CREATE INDEX event_deliveries_due ON event_deliveries (status, next_attempt_at)`);
    await q(`CREATE INDEX event_deliveries_order ON event_deliveries (subscription_id, subject, event_seq)`);
    await q(`CREATE INDEX event_deliveries_event ON event_deliveries (event_seq)`);
    await q(`
      CREATE TABLE event_delivery_attempts (
        id ${uuid} PRIMARY KEY,
        delivery_id ${uuid} NOT NULL REFERENCES event_deliveries (id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        attempted_at ${ts} NOT NULL,
        status_code integer,
        latency_ms integer NOT NULL,
        error varchar(500)
      )`);
    await q(`CREATE INDEX event_delivery_attempts_delivery ON event_delivery_attempts (delivery_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['event_delivery_attempts', 'event_deliveries', 'event_subscriptions', 'events'])
      await queryRunner.query(`DROP TABLE ${table}`);
  }
}
