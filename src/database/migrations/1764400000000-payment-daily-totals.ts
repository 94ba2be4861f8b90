import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What each caller has sent per payment type and UTC day (pending and completed payments; a failure gives
 * its amount back): the daily payment limits read and raise one row instead of summing the day's payments.
 */
export class PaymentDailyTotals1764400000000 implements MigrationInterface {
  name = 'PaymentDailyTotals1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE payment_daily_totals (
        actor varchar(200) NOT NULL,
        type varchar(16) NOT NULL,
        day char(10) NOT NULL,
        total_minor bigint NOT NULL,
        PRIMARY KEY (actor, type, day)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE payment_daily_totals`);
  }
}
