import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { AuditFieldsDto } from '../docs/audit-fields.dto.js';
import type { ApprovalStatus } from './approval.entity.js';
import type { ApprovalFields, PendingApprovalView } from './approval.view.js';

const APPROVAL_STATUSES: ApprovalStatus[] = ['pending', 'approved', 'rejected', 'expired', 'cancelled'];

export class ApprovalGivenDto {
  @ApiProperty({ example: 'alice' }) approver!: string;
  @ApiProperty({ format: 'date-time', example: '2026-11-24T14:05:09.431Z' }) at!: string;
  @ApiProperty({ type: 'string', nullable: true, example: 'Checked against invoice 4711' }) comment!: string | null;
}

export class ApprovalRejectionDto {
  @ApiProperty({ example: 'bob' }) approver!: string;
  @ApiProperty({ format: 'date-time', example: '2026-11-24T14:05:09.431Z' }) at!: string;
  @ApiProperty({ type: 'string', nullable: true, example: 'Beneficiary not on the vendor master' }) reason!: string | null;
}

/** How each of `ApprovalFields` is described: required on an approval's entry, optional on a payment. */
export const APPROVAL_FIELDS: Record<keyof ApprovalFields, ApiPropertyOptions> = {
  approval_status: {
    enum: APPROVAL_STATUSES,
    enumName: 'ApprovalStatus',
    description: '`pending` until decided: then `approved`, `rejected`, `expired` or `cancelled`',
  },
  approvals_required: { type: 'integer', minimum: 1, example: 2 },
  approver_roles: { type: [String], example: ['payment-approver'] },
  approval_policies: { type: [String], example: ['large-wires'] },
  expires_at: { format: 'date-time', example: '2026-11-25T14:05:09.431Z', description: 'Expired (`P_EXPIRED`) when undecided by then' },
  approvals: { type: [ApprovalGivenDto] },
  rejection: { type: ApprovalRejectionDto, nullable: true },
};

const ON_PAYMENT = ' (only on a payment that matched approval policies)';
const onPayment = (options: ApiPropertyOptions): ApiPropertyOptions => ({
  ...options,
  description: `${options.description ?? ''}${ON_PAYMENT}`.trim(),
});

/** The approval fields of a payment or ACH batch, present when it matched approval policies. */
export const OptionalApprovalFields = {
  approval_status: ApiPropertyOptional(onPayment(APPROVAL_FIELDS.approval_status)),
  approvals_required: ApiPropertyOptional(onPayment(APPROVAL_FIELDS.approvals_required)),
  approver_roles: ApiPropertyOptional(onPayment(APPROVAL_FIELDS.approver_roles)),
  approval_policies: ApiPropertyOptional(onPayment(APPROVAL_FIELDS.approval_policies)),
  expires_at: ApiPropertyOptional(onPayment(APPROVAL_FIELDS.expires_at)),
  approvals: ApiPropertyOptional(onPayment(APPROVAL_FIELDS.approvals)),
  rejection: ApiPropertyOptional(onPayment(APPROVAL_FIELDS.rejection)),
};

/** An entry of `GET /v1/approvals` (`PendingApprovalView`). */
export class PendingApprovalDto extends AuditFieldsDto implements PendingApprovalView {
  @ApiProperty({ format: 'uuid', description: 'The payment, or the ACH batch decided as a whole' }) payment_id!: string;
  @ApiProperty({ enum: ['ACH_BATCH', 'WIRE', 'TRANSFER'], example: 'WIRE', description: 'An ACH batch is decided as a whole' })
  type!: string;
  @ApiProperty({ example: '250000.00', description: 'Decimal string; an ACH batch: the sum of its entries' }) amount!: string;
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty({ format: 'uuid' }) debtor_account_id!: string;
  @ApiProperty({ example: 'treasury-ops' }) initiated_by!: string;
  @ApiProperty({ format: 'date-time', example: '2026-11-24T14:05:09.431Z' }) created_at!: string;
  @ApiProperty(APPROVAL_FIELDS.approval_status) approval_status!: ApprovalStatus;
  @ApiProperty(APPROVAL_FIELDS.approvals_required) approvals_required!: number;
  @ApiProperty(APPROVAL_FIELDS.approver_roles) approver_roles!: string[];
  @ApiProperty(APPROVAL_FIELDS.approval_policies) approval_policies!: string[];
  @ApiProperty(APPROVAL_FIELDS.expires_at) expires_at!: string;
  @ApiProperty(APPROVAL_FIELDS.approvals) approvals!: ApprovalGivenDto[];
  @ApiProperty(APPROVAL_FIELDS.rejection) rejection!: ApprovalRejectionDto | null;
}

export class PendingApprovalPageDto {
  @ApiProperty({ type: [PendingApprovalDto] }) data!: PendingApprovalDto[];
  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as `cursor` for the next page; null on the last' })
  next_cursor!: string | null;
}
