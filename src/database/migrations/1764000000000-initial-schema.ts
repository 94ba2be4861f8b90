import type { MigrationInterface, QueryRunner } from 'typeorm';
import { columnTypes } from './column-types.js';

/** audit_events: one row per call through the gateway. */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { uuid, timestamp: ts } = columnTypes(queryRunner);
    await queryRunner.query(`
      CREATE TABLE audit_events (
        id ${uuid} PRIMARY KEY,
        occurred_at ${ts} NOT NULL,
        actor varchar(200) NOT NULL,
        roles varchar(1000) NOT NULL,
        method varchar(10) NOT NULL,
        route varchar(300),
        path varchar(2000) NOT NULL,
        action varchar(320) NOT NULL,
        scope varchar(100),
        resource_id varchar(200),
        status integer NOT NULL,
        outcome varchar(20) NOT NULL,
        error_code varchar(64),
        latency_ms double precision NOT NULL,
        request_id ${uuid} NOT NULL,
        upstream_request_id varchar(100),
        idempotency_key varchar(100),
        body_sha256 char(64),
        client_ip varchar(64)
      )`);
    await queryRunner.query(`CREATE INDEX audit_events_occurred_at ON audit_events (occurred_at)`);
    await queryRunner.query(`CREATE INDEX audit_events_actor_occurred_at ON audit_events (actor, occurred_at)`);
    await queryRunner.query(`CREATE INDEX audit_events_request_id ON audit_events (request_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE audit_events`);
  }
}
