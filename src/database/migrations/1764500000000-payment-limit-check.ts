import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The database itself refuses a caller's running daily total past its limit: each raise stores the limit it
 * was checked against (`limit_minor`), and a CHECK constraint keeps `total_minor` within it. The payment's
 * writes and the raise can then go out as one statement, committed at once, and a refusal undoes them all.
 */
export class PaymentLimitCheck1764500000000 implements MigrationInterface {
  name = 'PaymentLimitCheck1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE payment_daily_totals ADD COLUMN limit_minor bigint
         CONSTRAINT payment_daily_totals_within_limit CHECK (limit_minor IS NULL OR total_minor <= limit_minor)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // SQLite cannot drop a column that a constraint uses: the table is rebuilt without it.
    await queryRunner.query(`
      CREATE TABLE payment_daily_totals_previous (
        actor varchar(200) NOT NULL,
        type varchar(16) NOT NULL,
        day char(10) NOT NULL,
        total_minor bigint NOT NULL,
        PRIMARY KEY (actor, type, day)
      )`);
    await queryRunner.query(
      `INSERT INTO payment_daily_totals_previous (actor, type, day, total_minor) SELECT actor, type, day, total_minor FROM payment_daily_totals`,
    );
    await queryRunner.query(`DROP TABLE payment_daily_totals`);
    await queryRunner.query(`ALTER TABLE payment_daily_totals_previous RENAME TO payment_daily_totals`);
  }
}
