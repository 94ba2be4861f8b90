import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { IsIn, IsOptional } from 'class-validator';
import { Actor } from '../audit/actor.decorator.js';
import type { AuditActor } from '../audit/audit-event.factory.js';
import { csvField } from '../audit/audit-event.view.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { IsPlainDate } from '../common/validators.js';
import { InvalidQueryAnswer } from '../docs/error-answers.js';
import { UnpostedPayments, type UnpostedPaymentView } from './unposted-payments.js';

export class UnpostedQuery {
  @ApiPropertyOptional({ description: 'The day of the check (default: today in New York)', example: '2026-11-30', format: 'date' })
  @IsOptional()
  @IsPlainDate()
  as_of?: string;
  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' }) @IsOptional() @IsIn(['json', 'csv']) format?: 'json' | 'csv';
}

const CSV_COLUMNS: (keyof UnpostedPaymentView)[] = [
  'payment_id',
  'qbank_payment_id',
  'type',
  'amount',
  'currency',
  'debtor_account_id',
  'initiated_by',
  'execution_date',
  'expected_settlement_date',
  'posting_due_by',
];

@ApiTags('Reconciliation')
@Controller('v1/reconciliation')
export class ReconciliationController {
  constructor(private readonly unposted: UnpostedPayments) {}

  @Get('unposted')
  @ApiOperation({ summary: 'Completed payments not yet posted' })
  @RequireScope('payments.read')
  @InvalidQueryAnswer()
  @ApiOkResponse({
    description:
      '`{ as_of, grace_business_days, data }`: completed payments with no synced posting by their expected settlement date plus the grace business days (`format=csv`: the same rows as CSV)',
  })
  async list(
    @Query() query: UnpostedQuery,
    @Actor() actor: AuditActor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Awaited<ReturnType<UnpostedPayments['report']>> | string> {
    const report = await this.unposted.report(actor, query.as_of);
    if (query.format !== 'csv') return report;
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="unposted-${report.as_of}.csv"`);
    return [CSV_COLUMNS.join(','), ...report.data.map((row) => CSV_COLUMNS.map((c) => csvField(row[c])).join(','))].join('\r\n') + '\r\n';
  }
}
