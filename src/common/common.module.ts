import { Global, Module } from '@nestjs/common';
import { UpstreamCall } from './upstream-call.js';

@Global()
@Module({ providers: [UpstreamCall], exports: [UpstreamCall] })
export class CommonModule {}
