import { Readable } from 'node:stream';
import { Controller, Get, Logger, Param, Query, Res, SetMetadata } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { dateRange } from '../common/date-range.js';
import { NO_AUDIT_FIELDS } from '../common/interceptors/audit-fields.interceptor.js';
import { uuidParam } from '../common/pipes/uuid-param.pipe.js';
import { ErrorAnswer, InvalidQueryAnswer, InvalidUuidAnswer } from '../docs/error-answers.js';
import { CSV_COLUMNS, csvRow, type AuditEventView } from './audit-event.view.js';
import { ExportAuditEventsQuery, ListAuditEventsQuery } from './audit-query.dto.js';
import { AuditEventRepository } from './audit-event.repository.js';

/**
 * The audit trail for audit teams (scope `audit.read`). Events carry their own `timestamp`, `actor` and
 * `request_id`, so nothing is stamped on them; each read of the trail is itself an audited call.
 */
@ApiTags('Audit')
@Controller('v1/audit/events')
export class AuditController {
  private readonly logger = new Logger(AuditController.name);

  constructor(private readonly audit: AuditEventRepository) {}

  @Get()
  @ApiOperation({ summary: 'List audit events' })
  @RequireScope('audit.read')
  @InvalidQueryAnswer()
  @SetMetadata(NO_AUDIT_FIELDS, true)
  @ApiOkResponse({ description: '`{ data, next_cursor }`: audit events, newest first' })
  list(@Query() query: ListAuditEventsQuery): Promise<{ data: AuditEventView[]; next_cursor: string | null }> {
    return this.audit.list(query);
  }

  @Get('export')
  @ApiOperation({ summary: 'Export audit events as CSV or NDJSON' })
  @RequireScope('audit.read')
  @InvalidQueryAnswer()
  @SetMetadata(NO_AUDIT_FIELDS, true)
  @ApiProduces('text/csv', 'application/x-ndjson')
  @ApiOkResponse({
    description:
      "Every matching event, oldest first, streamed: NDJSON (one view per line) or CSV (RFC 4180, header row, formula-like text prefixed with `'`)",
  })
  export(@Query() query: ExportAuditEventsQuery, @Res({ passthrough: true }) reply: FastifyReply): Readable {
    dateRange(query.from, query.to); // a bad date is a 400 before anything streams
    const format = query.format ?? 'ndjson';
    const pages = this.audit.stream(query);
    const logger = this.logger;
    async function* lines(): AsyncGenerator<string> {
      try {
        if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\r\n`;
        for await (const page of pages) yield page.map((view) => (format === 'csv' ? csvRow(view) : `${JSON.stringify(view)}\n`)).join('');
      } catch (error) {
        // The status line is long gone: the export ends early (the client sees a truncated body) and the cause is logged.
        logger.error({ err: error }, 'audit export failed mid-stream');
        throw error;
      }
    }
    void reply
      .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="audit-events.${format}"`)
      .header('cache-control', 'no-store');
    return Readable.from(lines(), { objectMode: false });
  }

  @Get(':eventId')
  @ApiOperation({ summary: 'Get an audit event' })
  @RequireScope('audit.read')
  @SetMetadata(NO_AUDIT_FIELDS, true)
  @ApiOkResponse({ description: 'One audit event with its chain position and hashes' })
  @InvalidUuidAnswer('eventId')
  @ErrorAnswer(404, 'No such event (`GW_NOT_FOUND`)')
  get(@Param('eventId', uuidParam('eventId')) eventId: string): Promise<AuditEventView> {
    return this.audit.get(eventId);
  }
}
