import type { MigrationInterface, QueryRunner } from 'typeorm';
import { columnTypes } from './column-types.js';

/** Idempotency records, payments with their status history, ACH batches, QBank webhooks, Positive Pay issues. */
export class MoneyMovement1764100000000 implements MigrationInterface {
  name = 'MoneyMovement1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { uuid, timestamp: ts } = columnTypes(queryRunner);
    const q = (sql: string) => queryRunner.query(sql);
    await q(`
      CREATE TABLE idempotency_records (
        id ${uuid} PRIMARY KEY,
        caller varchar(200) NOT NULL,
        caller_key varchar(36) NOT NULL,
        operation varchar(32) NOT NULL,
        fingerprint char(64) NOT NULL,
        upstream_key ${uuid} NOT NULL,
        resource_id ${uuid} NOT NULL,
        state varchar(16) NOT NULL,
        lease_expires_at ${ts} NOT NULL,
        attempts integer NOT NULL,
        response_status integer,
        response_body text,
        created_at ${ts} NOT NULL,
        updated_at ${ts} NOT NULL,
        expires_at ${ts} NOT NULL,
        CONSTRAINT idempotency_records_caller_key UNIQUE (caller, caller_key)
      )`);
    await q(`CREATE INDEX idempotency_records_expires_at ON idempotency_records (expires_at)`);
    await q(`
      CREATE TABLE payment_batches (
        batch_id ${uuid} PRIMARY KEY,
        qbank_batch_id varchar(36) UNIQUE,
        debtor_account_id ${uuid} NOT NULL,
        sec_code varchar(3) NOT NULL,
        actor varchar(200) NOT NULL,
        idempotency_key varchar(36) NOT NULL,
        request_id ${uuid} NOT NULL,
        created_at ${ts} NOT NULL
      )`);
    await q(`
      CREATE TABLE payments (
        payment_id ${uuid} PRIMARY KEY,
        qbank_payment_id varchar(36) UNIQUE,
        batch_id ${uuid} REFERENCES payment_batches (batch_id),
        batch_index integer,
        type varchar(16) NOT NULL,
        status varchar(16) NOT NULL,
        amount_minor bigint NOT NULL,
        currency char(3) NOT NULL,
        debtor_account_id ${uuid} NOT NULL,
        to_account_id ${uuid},
        creditor_name varchar(140),
        creditor_routing_number char(9),
        creditor_account_masked varchar(24),
        creditor_account_type varchar(16),
        description varchar(140),
        failure_reason varchar(500),
        actor varchar(200) NOT NULL,
        idempotency_key varchar(36) NOT NULL,
        request_id ${uuid} NOT NULL,
        created_at ${ts} NOT NULL,
        updated_at ${ts} NOT NULL
      )`);
    await q(`CREATE INDEX payments_created_at ON payments (created_at)`);
    await q(`CREATE INDEX payments_updated_at ON payments (updated_at)`);
    await q(`CREATE INDEX payments_status ON payments (status)`);
    await q(`CREATE INDEX payments_batch ON payments (batch_id, batch_index)`);
    await q(`
      CREATE TABLE payment_status_history (
        id ${uuid} PRIMARY KEY,
        payment_id ${uuid} NOT NULL REFERENCES payments (payment_id),
        status varchar(16) NOT NULL,
        source varchar(16) NOT NULL,
        at ${ts} NOT NULL,
        detail varchar(500)
      )`);
    await q(`CREATE INDEX payment_status_history_payment ON payment_status_history (payment_id, at)`);
    await q(`
      CREATE TABLE webhook_events (
        id ${uuid} PRIMARY KEY,
        dedupe_key varchar(80) NOT NULL UNIQUE,
        event_id varchar(64) NOT NULL,
        delivery_id varchar(64),
        qbank_payment_id varchar(36) NOT NULL,
        status varchar(16) NOT NULL,
        received_at ${ts} NOT NULL,
        applied_at ${ts},
        payload text NOT NULL
      )`);
    await q(`CREATE INDEX webhook_events_pending ON webhook_events (qbank_payment_id, applied_at)`);
    await q(`
      CREATE TABLE positivepay_issues (
        issue_id ${uuid} PRIMARY KEY,
        qbank_issue_id varchar(36) UNIQUE,
        account_id ${uuid} NOT NULL,
        status varchar(16) NOT NULL,
        checks text NOT NULL,
        actor varchar(200) NOT NULL,
        idempotency_key varchar(36) NOT NULL,
        request_id ${uuid} NOT NULL,
        created_at ${ts} NOT NULL,
        updated_at ${ts} NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'positivepay_issues',
      'webhook_events',
      'payment_status_history',
      'payments',
      'payment_batches',
      'idempotency_records',
    ]) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
