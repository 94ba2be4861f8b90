import { Global, Module } from '@nestjs/common';
import { GatewayLogger } from './gateway-logger.js';

@Global()
@Module({ providers: [GatewayLogger], exports: [GatewayLogger] })
export class LoggingModule {}
