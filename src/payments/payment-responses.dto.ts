import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import type { PaymentType } from '#qbank/contract';
import { ApprovalGivenDto, ApprovalRejectionDto, OptionalApprovalFields } from '../approvals/approval-responses.dto.js';
import type { ApprovalStatus } from '../approvals/approval.entity.js';
import { AuditFieldsDto } from '../docs/audit-fields.dto.js';
import type { StatusSource } from './payment.entity.js';
import { PAYMENT_STATES, type PaymentState } from './payment-state.js';
import type { BatchView, PaymentView } from './payment.view.js';

/*
 * What the payment routes answer, as `payment.view.ts` builds it (each class `implements` its view, and
 * test/openapi-answers.e2e-spec.ts compares real answers' keys with these schemas).
 */

const STATUS = { enum: PAYMENT_STATES, enumName: 'PaymentStatus', example: 'P_PENDING' } as const;
const STATUS_SOURCES: StatusSource[] = ['gateway', 'api', 'recovery', 'poll', 'webhook', 'approval', 'scheduler'];
const INSTANT = { format: 'date-time', example: '2026-11-24T14:05:09.431Z' } as const;
const PLAIN_DATE = { type: 'string', format: 'date', example: '2026-11-24', nullable: true } as const;

export class PaymentCreditorDto {
  @ApiProperty({ example: 'Globex Corp' }) name!: string;
  @ApiProperty({ example: '021000021' }) routing_number!: string;
  @ApiProperty({ example: '****6789', description: 'The last four digits only' }) account_number!: string;
  @ApiPropertyOptional({ enum: ['CHECKING', 'SAVINGS'], description: 'ACH only' }) account_type?: 'CHECKING' | 'SAVINGS';
}

export class StatusChangeDto {
  @ApiProperty(STATUS) status!: PaymentState;
  @ApiProperty(INSTANT) at!: string;
  @ApiProperty({
    enum: STATUS_SOURCES,
    description:
      'Who said so: `gateway` (recorded before QBank was called), `api` (QBank’s answer), `recovery`, `poll`, `webhook`, `approval`, `scheduler`',
  })
  source!: StatusSource;
  @ApiPropertyOptional({ example: 'approved by alice (1 of 2)', description: 'A decision’s or the scheduler’s note' }) detail?: string;
}

export class PostingDto {
  @ApiProperty({ format: 'uuid' }) transaction_id!: string;
  @ApiProperty({ format: 'uuid' }) account_id!: string;
  @ApiProperty({ enum: ['CREDIT', 'DEBIT'], example: 'DEBIT' }) direction!: string;
  @ApiProperty({ example: '1250.00', description: 'Decimal string' }) amount!: string;
  @ApiProperty({ format: 'date', example: '2026-11-24' }) value_date!: string;
  @ApiProperty(INSTANT) posting_date!: string;
}

export class PaymentDto extends AuditFieldsDto implements PaymentView {
  @ApiProperty({ format: 'uuid', description: 'The gateway’s id, assigned before QBank is called' }) payment_id!: string;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, description: 'QBank’s id; null until QBank answered' })
  qbank_payment_id!: string | null;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, description: 'The ACH batch it belongs to' }) batch_id!: string | null;
  @ApiProperty({ enum: ['ACH', 'WIRE', 'TRANSFER'], enumName: 'PaymentType', example: 'WIRE' }) type!: PaymentType;
  @ApiProperty(STATUS) status!: PaymentState;
  @ApiProperty({ example: '1250.00', description: 'Decimal string' }) amount!: string;
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty({ format: 'uuid' }) debtor_account_id!: string;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, description: 'A transfer’s credited account' }) to_account_id!:
    string | null;
  @ApiProperty({ type: PaymentCreditorDto, nullable: true, description: 'Null on a transfer' }) creditor!: PaymentCreditorDto | null;
  @ApiProperty({ type: 'string', nullable: true, example: 'Invoice 4711' }) description!: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'Why it failed (`P_FAILED`)' }) failure_reason!: string | null;
  @ApiProperty({ example: 'payroll-service', description: "The caller that initiated it (its token's `sub`)" }) initiated_by!: string;
  @ApiProperty({
    type: 'string',
    format: 'uuid',
    nullable: true,
    description: 'The `Idempotency-Key` it was sent with: shown to its initiator only',
  })
  idempotency_key!: string | null;
  @ApiProperty({ type: [StatusChangeDto], description: 'Each status it took, oldest first' }) status_history!: StatusChangeDto[];
  @ApiProperty(INSTANT) created_at!: string;
  @ApiProperty(INSTANT) updated_at!: string;
  @ApiProperty({ ...PLAIN_DATE, description: 'The day asked for (America/New_York); null on payments made before dates were kept' })
  requested_execution_date!: string | null;
  @ApiProperty({ ...PLAIN_DATE, description: 'The business day it goes (went) to QBank' }) execution_date!: string | null;
  @ApiProperty({
    ...PLAIN_DATE,
    description: 'Wire, transfer: the execution date; ACH: the execution date when same-day applies, else the next business day',
  })
  expected_settlement_date!: string | null;
  @ApiPropertyOptional({ description: 'ACH only: whether same-day was asked for' }) same_day?: boolean;
  @ApiPropertyOptional({
    type: [PostingDto],
    description: 'The postings QBank made for it (once synced): on `GET /v1/payments/{paymentId}` and decisions',
  })
  postings?: PostingDto[];
  @OptionalApprovalFields.approval_status approval_status?: ApprovalStatus;
  @OptionalApprovalFields.approvals_required approvals_required?: number;
  @OptionalApprovalFields.approver_roles approver_roles?: string[];
  @OptionalApprovalFields.approval_policies approval_policies?: string[];
  @OptionalApprovalFields.expires_at expires_at?: string;
  @OptionalApprovalFields.approvals approvals?: ApprovalGivenDto[];
  @OptionalApprovalFields.rejection rejection?: ApprovalRejectionDto | null;
}

export class AchBatchDto extends AuditFieldsDto implements BatchView {
  @ApiProperty({ format: 'uuid', description: 'The gateway’s id of the batch: poll it with `GET /v1/payments/{paymentId}`' })
  batch_id!: string;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, description: 'QBank’s id; null until QBank answered' })
  qbank_batch_id!: string | null;
  @ApiProperty({ enum: ['ACH_BATCH'] }) type!: 'ACH_BATCH';
  @ApiProperty({
    ...STATUS,
    description:
      'P_PENDING until an entry moves, P_PROCESSING until all are final, then P_FAILED when every entry failed, P_COMPLETED when one completed',
  })
  status!: PaymentState;
  @ApiProperty({ format: 'uuid' }) debtor_account_id!: string;
  @ApiProperty({ enum: ['PPD', 'CCD', 'CTX', 'WEB', 'TEL'], example: 'PPD' }) sec_code!: string;
  @ApiProperty({ example: 'payroll-service' }) initiated_by!: string;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, description: 'Shown to its initiator only' }) idempotency_key!:
    string | null;
  @ApiProperty(INSTANT) created_at!: string;
  @ApiProperty({ ...PLAIN_DATE, description: 'The day asked for (America/New_York)' }) requested_execution_date!: string | null;
  @ApiProperty({ ...PLAIN_DATE, description: 'The business day it goes (went) to QBank' }) execution_date!: string | null;
  @ApiProperty() same_day!: boolean;
  @ApiProperty({ type: [PaymentDto], description: 'Its entries, each a payment of type ACH with its own status' }) payments!: PaymentDto[];
  @OptionalApprovalFields.approval_status approval_status?: ApprovalStatus;
  @OptionalApprovalFields.approvals_required approvals_required?: number;
  @OptionalApprovalFields.approver_roles approver_roles?: string[];
  @OptionalApprovalFields.approval_policies approval_policies?: string[];
  @OptionalApprovalFields.expires_at expires_at?: string;
  @OptionalApprovalFields.approvals approvals?: ApprovalGivenDto[];
  @OptionalApprovalFields.rejection rejection?: ApprovalRejectionDto | null;
}

export class PaymentPageDto {
  @ApiProperty({ type: [PaymentDto] }) data!: PaymentDto[];
  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as `cursor` for the next page; null on the last' })
  next_cursor!: string | null;
}

/** `GET /v1/payments/{paymentId}` and the decisions answer a payment or an ACH batch (`type` tells which). */
export const PAYMENT_OR_BATCH = { oneOf: [{ $ref: getSchemaPath(PaymentDto) }, { $ref: getSchemaPath(AchBatchDto) }] };
