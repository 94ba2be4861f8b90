import { ApiProperty } from '@nestjs/swagger';
import { AuditFieldsDto } from '../docs/audit-fields.dto.js';
import type { AccountView } from './account.repository.js';

/** `AccountView`, with the audit fields. */
export class AccountDto extends AuditFieldsDto implements AccountView {
  @ApiProperty({ format: 'uuid' }) account_id!: string;
  @ApiProperty({ example: '****6789', description: 'The last four digits only' }) account_number!: string;
  @ApiProperty({ example: 'CHECKING' }) account_type!: string;
  @ApiProperty({ example: 'Operating account' }) name!: string;
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty({ example: 'ACTIVE', description: '`CLOSED` once missing from QBank’s snapshot' }) status!: string;
  @ApiProperty({ example: '021000021' }) routing_number!: string;
  @ApiProperty({ format: 'date', example: '2019-04-01' }) opened_date!: string;
  @ApiProperty({ format: 'date-time', example: '2026-11-24T07:15:02.118Z', description: 'When QBank last changed it' }) updated_at!: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'When a sync found it closed' }) closed_at!:
    string | null;
}

export class AccountPageDto {
  @ApiProperty({ type: [AccountDto] }) data!: AccountDto[];
  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as `cursor` for the next page; null on the last' })
  next_cursor!: string | null;
}
