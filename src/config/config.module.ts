import { type DynamicModule, Global, Module } from '@nestjs/common';
import { GatewayConfig } from './gateway-config.js';

/** Provides the validated `GatewayConfig`; everything else injects it. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: GatewayConfig, useValue: config }], exports: [GatewayConfig] };
  }
}
