import { Global, Module } from '@nestjs/common';
import { Clock } from './clock.js';
import { UpstreamCall } from './upstream-call.js';

@Global()
@Module({ providers: [UpstreamCall, Clock], exports: [UpstreamCall, Clock] })
export class CommonModule {}
