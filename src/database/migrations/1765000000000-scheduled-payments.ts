import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scheduled payments (contract §15): the scheduler and a cancel find the held idempotency record of a
 * payment by the payment's id (`resource_id`), which nothing looked records up by before.
 */
export class ScheduledPayments1765000000000 implements MigrationInterface {
  name = 'ScheduledPayments1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX idempotency_records_resource_id ON idempotency_records (resource_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX idempotency_records_resource_id`);
  }
}
