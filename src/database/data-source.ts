import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options.js';

/** For the TypeORM CLI: `typeorm migration:show -d dist/src/database/data-source.js`. */
export default new DataSource(
  dataSourceOptions(
    process.env.DATABASE_MIGRATION_URL ?? process.env.DATABASE_URL ?? 'sqlite:./data/gateway.sqlite',
    process.env.DATABASE_SCHEMA,
  ),
);
