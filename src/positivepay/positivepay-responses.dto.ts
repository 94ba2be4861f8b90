import { ApiProperty } from '@nestjs/swagger';
import { AuditFieldsDto } from '../docs/audit-fields.dto.js';
import type { ExceptionView } from './positivepay-exception.view.js';
import type { IssueView } from './positivepay.service.js';

/** A check of an issue file: as sent (`RECEIVED`) until QBank's answer, then as QBank reports it. */
export class CheckIssueResultDto {
  @ApiProperty({ example: '10001' }) check_number!: string;
  @ApiProperty({ example: '120.00', description: 'Decimal string' }) amount!: string;
  @ApiProperty({ example: 'Acme Supplies' }) payee_name!: string;
  @ApiProperty({ format: 'date', example: '2026-11-24' }) issue_date!: string;
  @ApiProperty() void!: boolean;
  @ApiProperty({ enum: ['RECEIVED', 'ACCEPTED', 'REJECTED'] }) status!: string;
  @ApiProperty({ type: 'string', nullable: true, example: 'DUPLICATE_CHECK_NUMBER', description: 'Why QBank rejected it' }) reason!:
    string | null;
}

/** `IssueView`, with the audit fields. */
export class PositivePayIssueDto extends AuditFieldsDto implements IssueView {
  @ApiProperty({ format: 'uuid', description: 'The gateway’s id: follow it with `GET /v1/positivepay/issues/{issueId}`' })
  issue_id!: string;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, description: 'QBank’s id; null until QBank answered' })
  qbank_issue_id!: string | null;
  @ApiProperty({ format: 'uuid' }) account_id!: string;
  @ApiProperty({
    enum: ['RECEIVED', 'PROCESSED', 'REFUSED'],
    description: '`RECEIVED`, then `PROCESSED` after QBank’s next batch; `REFUSED` when QBank refused the file',
  })
  status!: string;
  @ApiProperty({ type: [CheckIssueResultDto] }) checks!: CheckIssueResultDto[];
  @ApiProperty({ format: 'date-time', example: '2026-11-24T14:05:09.431Z' }) created_at!: string;
  @ApiProperty({ format: 'date-time', example: '2026-11-24T14:05:09.431Z' }) updated_at!: string;
}

/** `ExceptionView`, with the audit fields. */
export class PositivePayExceptionDto extends AuditFieldsDto implements ExceptionView {
  @ApiProperty({ format: 'uuid' }) exception_id!: string;
  @ApiProperty({ format: 'uuid' }) account_id!: string;
  @ApiProperty({ example: '10001' }) check_number!: string;
  @ApiProperty({ example: '1200.00', description: 'Decimal string' }) presented_amount!: string;
  @ApiProperty({ type: 'string', nullable: true, example: '120.00', description: 'Decimal string; null when no such check was issued' })
  issued_amount!: string | null;
  @ApiProperty({ type: 'string', nullable: true, example: 'Acme Supplies' }) payee_name!: string | null;
  @ApiProperty({ format: 'date', example: '2026-11-24' }) presented_date!: string;
  @ApiProperty({ enum: ['NOT_ISSUED', 'AMOUNT_MISMATCH', 'VOIDED', 'STALE_DATED', 'DUPLICATE_PRESENTMENT'], example: 'AMOUNT_MISMATCH' })
  reason!: string;
  @ApiProperty({ enum: ['PENDING_DECISION', 'PAID', 'RETURNED'] }) status!: string;
  @ApiProperty({ format: 'date-time', example: '2026-11-24T19:00:00.000Z' }) decision_deadline!: string;
}

export class PositivePayExceptionPageDto {
  @ApiProperty({ type: [PositivePayExceptionDto] }) data!: PositivePayExceptionDto[];
  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as `cursor` for the next page; null on the last' })
  next_cursor!: string | null;
}
