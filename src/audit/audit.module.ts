import { Global, Module } from '@nestjs/common';
import { AuditController } from './audit.controller.js';
import { AuditEventRepository } from './audit-event.repository.js';
import { AuditLedger } from './audit-ledger.js';
import { AuditWriter } from './audit-writer.service.js';

/** The audit trail: the ledger that chains events, the writer that batches calls' events, and the API that reads them. */
@Global()
@Module({
  controllers: [AuditController],
  providers: [AuditEventRepository, AuditLedger, AuditWriter],
  exports: [AuditLedger, AuditWriter],
})
export class AuditModule {}
