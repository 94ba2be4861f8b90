import type { MigrationInterface, QueryRunner } from 'typeorm';
import { columnTypes } from './column-types.js';

const APPEND_ONLY_TABLES = ['audit_events', 'audit_checkpoints'];

/**
 * The audit trail audit teams can trust: `audit_events` rebuilt with the hash-chain columns and room for
 * events that are not HTTP calls (payment status changes, sync runs, retention), `audit_checkpoints`
 * (where retention cut each chain), triggers that make both tables append-only, and read-only views for
 * the questions auditors ask most.
 */
export class AuditTrail1764300000000 implements MigrationInterface {
  name = 'AuditTrail1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { postgres, uuid, timestamp: ts } = columnTypes(queryRunner);
    const q = (sql: string) => queryRunner.query(sql);
    await q(`
      CREATE TABLE audit_events_chained (
        id ${uuid} PRIMARY KEY,
        kind varchar(16) NOT NULL,
        occurred_at ${ts} NOT NULL,
        actor varchar(200) NOT NULL,
        roles varchar(1000) NOT NULL,
        method varchar(10),
        route varchar(300),
        path varchar(2000),
        action varchar(320) NOT NULL,
        scope varchar(100),
        resource_type varchar(32),
        resource_id varchar(200),
        status integer,
        outcome varchar(20) NOT NULL,
        error_code varchar(64),
        latency_ms double precision,
        request_id ${uuid} NOT NULL,
        upstream_request_id varchar(100),
        idempotency_key varchar(100),
        body_sha256 char(64),
        client_ip varchar(64),
        detail varchar(2000),
        chain_id ${uuid},
        chain_seq bigint,
        prev_hash char(64),
        hash char(64),
        CONSTRAINT audit_events_chain_position UNIQUE (chain_id, chain_seq)
      )`);
    // Events recorded before the chain existed keep their content and stay unchained (audit:verify counts them).
    await q(`
      INSERT INTO audit_events_chained (id, kind, occurred_at, actor, roles, method, route, path, action, scope, resource_id, status,
        outcome, error_code, latency_ms, request_id, upstream_request_id, idempotency_key, body_sha256, client_ip)
      SELECT id, 'call', occurred_at, actor, roles, method, route, path, action, scope, resource_id, status,
        outcome, error_code, latency_ms, request_id, upstream_request_id, idempotency_key, body_sha256, client_ip
      FROM audit_events`);
    await q(`DROP TABLE audit_events`);
    await q(`ALTER TABLE audit_events_chained RENAME TO audit_events`);
    await q(`CREATE INDEX audit_events_occurred_at ON audit_events (occurred_at, id)`);
    await q(`CREATE INDEX audit_events_actor_occurred_at ON audit_events (actor, occurred_at, id)`);
    await q(`CREATE INDEX audit_events_request_id ON audit_events (request_id)`);
    await q(`CREATE INDEX audit_events_resource_id ON audit_events (resource_id, occurred_at)`);
    await q(`
      CREATE TABLE audit_checkpoints (
        id ${uuid} PRIMARY KEY,
        chain_id ${uuid} NOT NULL,
        chain_seq bigint NOT NULL,
        hash char(64) NOT NULL,
        removed_before ${ts} NOT NULL,
        created_at ${ts} NOT NULL,
        CONSTRAINT audit_checkpoints_chain_position UNIQUE (chain_id, chain_seq)
      )`);

    if (postgres) {
      // Refused for everyone, the owner included. Retention is the one exception: the tables' owner, in
      // a transaction that says so (`SET LOCAL qbank_gateway.audit_retention = 'on'`), may delete.
      await q(`
        CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'DELETE'
             AND current_setting('qbank_gateway.audit_retention', true) = 'on'
             AND pg_has_role(current_user, (SELECT tableowner FROM pg_tables
                                            WHERE schemaname = TG_TABLE_SCHEMA AND tablename = TG_TABLE_NAME), 'USAGE') THEN
            RETURN OLD;
          END IF;
          RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
        END $$`);
      for (const table of APPEND_ONLY_TABLES) {
        await q(
          `CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION audit_append_only()`,
        );
        await q(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()`);
        await q(`REVOKE UPDATE, DELETE, TRUNCATE ON ${table} FROM PUBLIC`);
      }
    } else {
      for (const table of APPEND_ONLY_TABLES) await createSqliteAppendOnlyTriggers(queryRunner, table);
    }

    await q(`
      CREATE VIEW audit_payments AS
      SELECT p.payment_id, p.qbank_payment_id, p.batch_id, p.type, p.amount_minor, p.currency, p.debtor_account_id,
             p.actor AS initiated_by, p.created_at AS initiated_at, p.request_id AS initiating_request_id,
             e.id AS initiating_audit_event_id, e.status AS initiating_http_status,
             p.status AS current_status,
             CASE WHEN p.status IN ('P_COMPLETED', 'P_FAILED') THEN p.status END AS final_status,
             CASE WHEN p.status IN ('P_COMPLETED', 'P_FAILED') THEN p.updated_at END AS final_at,
             p.failure_reason
      FROM payments p
      LEFT JOIN audit_events e ON e.request_id = p.request_id AND e.kind = 'call'`);
    await q(`
      CREATE VIEW audit_scope_refusals AS
      SELECT id, occurred_at, actor, roles, action, scope AS missing_scope, path, request_id, client_ip
      FROM audit_events
      WHERE kind = 'call' AND status = 403 AND error_code = 'GW_SCOPE_MISSING'`);
    await q(`
      CREATE VIEW audit_webhook_rejections AS
      SELECT id, occurred_at, status, error_code, request_id, client_ip, body_sha256
      FROM audit_events
      WHERE kind = 'call' AND route = '/v1/webhooks/qbank' AND status >= 400`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const { postgres } = columnTypes(queryRunner);
    for (const view of ['audit_webhook_rejections', 'audit_scope_refusals', 'audit_payments']) await queryRunner.query(`DROP VIEW ${view}`);
    if (postgres) {
      await queryRunner.query(`DROP TABLE audit_checkpoints`);
      await queryRunner.query(`DROP TRIGGER audit_events_append_only ON audit_events`);
      await queryRunner.query(`DROP TRIGGER audit_events_no_truncate ON audit_events`);
      await queryRunner.query(`DROP FUNCTION audit_append_only()`);
    } else {
      await queryRunner.query(`DROP TABLE audit_checkpoints`);
      await dropSqliteAppendOnlyTriggers(queryRunner, 'audit_events');
    }
    // The chain columns stay: dropping them would need the same table rebuild in reverse, for no gain.
  }
}

/** SQLite has no roles: UPDATE and DELETE always abort; retention drops and re-creates these in its transaction. */
export async function createSqliteAppendOnlyTriggers(queryRunner: QueryRunner, table: string): Promise<void> {
  for (const op of ['UPDATE', 'DELETE'])
    await queryRunner.query(
      `CREATE TRIGGER ${table}_no_${op.toLowerCase()} BEFORE ${op} ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only: ${op} refused'); END`,
    );
}

export async function dropSqliteAppendOnlyTriggers(queryRunner: QueryRunner, table: string): Promise<void> {
  for (const op of ['update', 'delete']) await queryRunner.query(`DROP TRIGGER ${table}_no_${op}`);
}
