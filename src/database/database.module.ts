import { Global, Module } from '@nestjs/common';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { GatewayConfig } from '../config/gateway-config.js';
import { dataSourceOptions, readerDataSourceOptions } from './data-source-options.js';
import { Database } from './database.js';

/** The gateway's connections (`DATABASE_URL`); the schema itself only changes through migrations. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [GatewayConfig],
      useFactory: (config: GatewayConfig) => dataSourceOptions(config.database.url, config.database.schema),
    }),
  ],
  providers: [
    {
      provide: Database,
      inject: [GatewayConfig, getDataSourceToken()],
      useFactory: async (config: GatewayConfig, writer: DataSource) => {
        const readerOptions = readerDataSourceOptions(config.database.url);
        return new Database(writer, readerOptions ? await new DataSource(readerOptions).initialize() : writer);
      },
    },
  ],
  exports: [Database],
})
export class DatabaseModule {}
