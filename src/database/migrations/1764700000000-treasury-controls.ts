import type { MigrationInterface, QueryRunner } from 'typeorm';
import { columnTypes } from './column-types.js';

/**
 * Treasury controls (contract §13):
 * - a payment that matched an approval policy has an approval request (what it needs, until when) and the
 *   decisions taken on it, one per approver and decision;
 * - a payment keeps a keyed fingerprint of its creditor (routing and account number), so that a
 *   `new_beneficiary` policy can tell a creditor never paid before without storing the account number;
 * - an idempotency record can be `held`: answered (awaiting approval) but not sent yet.
 */
export class TreasuryControls1764700000000 implements MigrationInterface {
  name = 'TreasuryControls1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    const { uuid, timestamp: ts } = columnTypes(queryRunner);
    await q(`
      CREATE TABLE approval_requests (
        resource_id ${uuid} PRIMARY KEY,
        payment_type varchar(16) NOT NULL,
        amount_minor bigint NOT NULL,
        debtor_account_id varchar(36) NOT NULL,
        initiated_by varchar(200) NOT NULL,
        idempotency_record_id ${uuid} NOT NULL,
        required integer NOT NULL,
        approver_roles varchar(1000) NOT NULL,
        policies varchar(1000) NOT NULL,
        status varchar(16) NOT NULL,
        expires_at ${ts} NOT NULL,
        created_at ${ts} NOT NULL,
        decided_at ${ts}
      )`);
    await q(`CREATE INDEX approval_requests_pending ON approval_requests (status, expires_at)`);
    await q(`
      CREATE TABLE approval_decisions (
        id ${uuid} PRIMARY KEY,
        resource_id ${uuid} NOT NULL REFERENCES approval_requests (resource_id),
        approver varchar(200) NOT NULL,
        decision varchar(16) NOT NULL,
        comment varchar(500),
        at ${ts} NOT NULL,
        CONSTRAINT approval_decisions_once UNIQUE (resource_id, approver, decision)
      )`);
    await q(`ALTER TABLE payments ADD COLUMN creditor_fingerprint varchar(64)`);
    await q(`CREATE INDEX payments_creditor_fingerprint ON payments (creditor_fingerprint, status)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`DROP INDEX payments_creditor_fingerprint`);
    await q(`ALTER TABLE payments DROP COLUMN creditor_fingerprint`);
    await q(`DROP TABLE approval_decisions`);
    await q(`DROP TABLE approval_requests`);
  }
}
