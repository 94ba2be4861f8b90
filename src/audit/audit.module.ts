import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditEvent } from './audit-event.entity.js';
import { AuditController } from './audit.controller.js';
import { AuditLedger } from './audit-ledger.js';
import { AuditQueryService } from './audit-query.service.js';
import { AuditWriter } from './audit-writer.service.js';

/** The audit trail: the ledger that chains events, the writer that batches calls' events, and the API that reads them. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditEvent])],
  controllers: [AuditController],
  providers: [AuditLedger, AuditWriter, AuditQueryService],
  exports: [AuditLedger, AuditWriter],
})
export class AuditModule {}
