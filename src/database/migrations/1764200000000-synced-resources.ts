import type { MigrationInterface, QueryRunner } from 'typeorm';
import { columnTypes } from './column-types.js';

/** The batch resources QBank publishes nightly, synced into the store, and the record of the syncs. */
export class SyncedResources1764200000000 implements MigrationInterface {
  name = 'SyncedResources1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { uuid, timestamp: ts } = columnTypes(queryRunner);
    const q = (sql: string) => queryRunner.query(sql);
    await q(`
      CREATE TABLE accounts (
        account_id ${uuid} PRIMARY KEY,
        account_number_masked varchar(24) NOT NULL,
        account_type varchar(24) NOT NULL,
        name varchar(200) NOT NULL,
        currency char(3) NOT NULL,
        status varchar(16) NOT NULL,
        routing_number char(9) NOT NULL,
        opened_date date NOT NULL,
        qbank_updated_at ${ts} NOT NULL,
        closed_at ${ts},
        first_synced_at ${ts} NOT NULL,
        last_synced_at ${ts} NOT NULL
      )`);
    await q(`
      CREATE TABLE transactions (
        transaction_id ${uuid} PRIMARY KEY,
        account_id ${uuid} NOT NULL,
        type varchar(16) NOT NULL,
        direction varchar(8) NOT NULL,
        amount_minor bigint NOT NULL,
        currency char(3) NOT NULL,
        description varchar(500) NOT NULL,
        transaction_date ${ts} NOT NULL,
        value_date date NOT NULL,
        posting_date ${ts} NOT NULL,
        qbank_payment_id varchar(36),
        payment_id ${uuid},
        check_number varchar(20),
        synced_at ${ts} NOT NULL
      )`);
    await q(`CREATE INDEX transactions_posting ON transactions (account_id, posting_date, transaction_id)`);
    await q(`CREATE INDEX transactions_value ON transactions (account_id, value_date, transaction_id)`);
    await q(`CREATE INDEX transactions_initiated ON transactions (account_id, transaction_date, transaction_id)`);
    await q(`
      CREATE TABLE positivepay_exceptions (
        exception_id ${uuid} PRIMARY KEY,
        account_id ${uuid} NOT NULL,
        check_number varchar(20) NOT NULL,
        presented_amount_minor bigint NOT NULL,
        issued_amount_minor bigint,
        payee_name varchar(200),
        presented_date date NOT NULL,
        reason varchar(32) NOT NULL,
        status varchar(24) NOT NULL,
        decision_deadline ${ts} NOT NULL,
        resolved_at ${ts},
        last_synced_at ${ts} NOT NULL
      )`);
    await q(`CREATE INDEX positivepay_exceptions_account ON positivepay_exceptions (account_id, status)`);
    await q(`
      CREATE TABLE sync_runs (
        id ${uuid} PRIMARY KEY,
        resource varchar(32) NOT NULL,
        trigger varchar(16) NOT NULL,
        holder varchar(100) NOT NULL,
        status varchar(16) NOT NULL,
        started_at ${ts} NOT NULL,
        finished_at ${ts},
        pages integer NOT NULL,
        inserted integer NOT NULL,
        updated integer NOT NULL,
        unchanged integer NOT NULL,
        watermark varchar(64),
        error varchar(1000)
      )`);
    await q(`CREATE INDEX sync_runs_resource ON sync_runs (resource, started_at)`);
    await q(`
      CREATE TABLE sync_leases (
        resource varchar(32) PRIMARY KEY,
        holder varchar(100) NOT NULL,
        expires_at ${ts} NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['sync_leases', 'sync_runs', 'positivepay_exceptions', 'transactions', 'accounts'])
      await queryRunner.query(`DROP TABLE ${table}`);
  }
}
