import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The banking calendar on every payment (contract §15): the execution date asked for, the business day it
 * goes to QBank, the expected settlement date (plain `YYYY-MM-DD` dates of America/New_York, kept as text
 * so neither database shifts them by a time zone) and, for ACH, whether same-day was asked for. Payments
 * made before keep them null. The index serves the scheduler's search for due scheduled payments.
 */
export class PaymentDates1764900000000 implements MigrationInterface {
  name = 'PaymentDates1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`ALTER TABLE payments ADD COLUMN requested_execution_date varchar(10)`);
    await q(`ALTER TABLE payments ADD COLUMN execution_date varchar(10)`);
    await q(`ALTER TABLE payments ADD COLUMN expected_settlement_date varchar(10)`);
    await q(`ALTER TABLE payments ADD COLUMN same_day boolean`);
    await q(`CREATE INDEX payments_status_execution_date ON payments (status, execution_date)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`DROP INDEX payments_status_execution_date`);
    for (const column of ['same_day', 'expected_settlement_date', 'execution_date', 'requested_execution_date'])
      await q(`ALTER TABLE payments DROP COLUMN ${column}`);
  }
}
