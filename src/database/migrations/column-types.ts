import type { QueryRunner } from 'typeorm';

/** The column types that differ between the two databases the migrations run on. */
export function columnTypes(queryRunner: QueryRunner): { postgres: boolean; uuid: string; timestamp: string } {
  const postgres = queryRunner.connection.options.type === 'postgres';
  return { postgres, uuid: postgres ? 'uuid' : 'varchar(36)', timestamp: postgres ? 'timestamptz(3)' : 'datetime' };
}
