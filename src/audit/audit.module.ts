import { Global, Module } from '@nestjs/common';
import { AuditLedger } from './audit-ledger.js';
import { AuditWriter } from './audit-writer.service.js';

@Global()
@Module({ providers: [AuditLedger, AuditWriter], exports: [AuditLedger, AuditWriter] })
export class AuditModule {}
