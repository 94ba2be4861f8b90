import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The money path's redesign:
 * - an idempotency record keeps the request it sends, sealed, until QBank has answered (the recovery job
 *   re-sends it when an answer was lost);
 * - a webhook that contradicts its payment is kept with the reason it was not applied;
 * - sync leases become job leases (the recovery job takes one too), named `sync:<resource>`;
 * - the daily totals no longer store their limit: the gateway compares the total it raised with the limit,
 *   so the CHECK constraint that did goes (SQLite cannot drop a constrained column: the table is rebuilt).
 */
export class RecoverablePayments1764600000000 implements MigrationInterface {
  name = 'RecoverablePayments1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`ALTER TABLE idempotency_records ADD COLUMN upstream_request text`);
    await q(`CREATE INDEX idempotency_records_abandoned ON idempotency_records (state, lease_expires_at)`);
    await q(`ALTER TABLE webhook_events ADD COLUMN refusal varchar(500)`);
    await q(`ALTER TABLE sync_leases RENAME TO job_leases`);
    await q(`ALTER TABLE job_leases RENAME COLUMN resource TO name`);
    await q(`UPDATE job_leases SET name = 'sync:' || name`);
    await rebuildDailyTotals(queryRunner, false);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await rebuildDailyTotals(queryRunner, true);
    await q(`DELETE FROM job_leases WHERE name NOT LIKE 'sync:%'`);
    await q(`UPDATE job_leases SET name = substr(name, 6)`);
    await q(`ALTER TABLE job_leases RENAME COLUMN name TO resource`);
    await q(`ALTER TABLE job_leases RENAME TO sync_leases`);
    await q(`ALTER TABLE webhook_events DROP COLUMN refusal`);
    await q(`DROP INDEX idempotency_records_abandoned`);
    await q(`ALTER TABLE idempotency_records DROP COLUMN upstream_request`);
  }
}

/** `payment_daily_totals` with (`withLimit`) or without its `limit_minor` column and CHECK, rows kept. */
async function rebuildDailyTotals(queryRunner: QueryRunner, withLimit: boolean): Promise<void> {
  const limit = withLimit
    ? `, limit_minor bigint CONSTRAINT payment_daily_totals_within_limit CHECK (limit_minor IS NULL OR total_minor <= limit_minor)`
    : '';
  await queryRunner.query(`
    CREATE TABLE payment_daily_totals_next (
      actor varchar(200) NOT NULL,
      type varchar(16) NOT NULL,
      day char(10) NOT NULL,
      total_minor bigint NOT NULL${limit},
      PRIMARY KEY (actor, type, day)
    )`);
  await queryRunner.query(
    `INSERT INTO payment_daily_totals_next (actor, type, day, total_minor) SELECT actor, type, day, total_minor FROM payment_daily_totals`,
  );
  await queryRunner.query(`DROP TABLE payment_daily_totals`);
  await queryRunner.query(`ALTER TABLE payment_daily_totals_next RENAME TO payment_daily_totals`);
}
