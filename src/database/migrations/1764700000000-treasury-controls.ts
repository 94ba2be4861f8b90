import type { MigrationInterface, QueryRunner } from 'typeorm';
import { columnTypes } from './column-types.js';

/**
 * Treasury controls (contract §13):
 * - a payment that matched an approval policy has an approval request (what it needs, until when) and the
 *   decisions taken on it, one per approver and decision;
 * - a payment keeps a keyed fingerprint of its creditor (routing and account number), so that a
 *   `new_beneficiary` policy can tell a creditor never paid before without storing the account number;
 * - an idempotency record can be `held`: answered (awaiting approval) but not sent yet;
 * - statuses grow to 32 characters (`P_AWAITING_APPROVAL`); SQLite does not enforce a varchar's length.
 */
export class TreasuryControls1764700000000 implements MigrationInterface {
  name = 'TreasuryControls1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    const { uuid, timestamp: ts, postgres } = columnTypes(queryRunner);
    // The auditors' view of payments reads the status: rebuilt around the wider column, ending also in the
    // gateway's own final states.
    await q(`DROP VIEW audit_payments`);
    if (postgres)
      for (const table of ['payments', 'payment_status_history']) await q(`ALTER TABLE ${table} ALTER COLUMN status TYPE varchar(32)`);
    await q(auditPaymentsView(['P_COMPLETED', 'P_FAILED', 'P_REJECTED', 'P_EXPIRED', 'P_CANCELLED']));
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
    await q(`DROP VIEW audit_payments`);
    // Fails, as it should, while payments in the gateway's own (longer) states remain.
    if (columnTypes(queryRunner).postgres)
      for (const table of ['payments', 'payment_status_history']) await q(`ALTER TABLE ${table} ALTER COLUMN status TYPE varchar(16)`);
    await q(auditPaymentsView(['P_COMPLETED', 'P_FAILED']));
  }
}

/** `audit_payments` (see the audit-trail migration), its final status one of `finalStates`. */
function auditPaymentsView(finalStates: string[]): string {
  const final = finalStates.map((s) => `'${s}'`).join(', ');
  return `
    CREATE VIEW audit_payments AS
    SELECT p.payment_id, p.qbank_payment_id, p.batch_id, p.type, p.amount_minor, p.currency, p.debtor_account_id,
           p.actor AS initiated_by, p.created_at AS initiated_at, p.request_id AS initiating_request_id,
           e.id AS initiating_audit_event_id, e.status AS initiating_http_status,
           p.status AS current_status,
           CASE WHEN p.status IN (${final}) THEN p.status END AS final_status,
           CASE WHEN p.status IN (${final}) THEN p.updated_at END AS final_at,
           p.failure_reason
    FROM payments p
    LEFT JOIN audit_events e ON e.request_id = p.request_id AND e.kind = 'call'`;
}
