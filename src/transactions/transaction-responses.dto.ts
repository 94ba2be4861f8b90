import { ApiProperty } from '@nestjs/swagger';
import { AuditFieldsDto } from '../docs/audit-fields.dto.js';
import type { TransactionView } from './transaction.repository.js';

/** `TransactionView`, with the audit fields. */
export class TransactionDto extends AuditFieldsDto implements TransactionView {
  @ApiProperty({ format: 'uuid' }) transaction_id!: string;
  @ApiProperty({ format: 'uuid' }) account_id!: string;
  @ApiProperty({ example: 'WIRE' }) type!: string;
  @ApiProperty({ enum: ['CREDIT', 'DEBIT'], description: 'Amounts are unsigned; the direction says which way funds moved' })
  direction!: string;
  @ApiProperty({ example: '1250.00', description: 'Decimal string' }) amount!: string;
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty({ example: 'Wire to Globex Corp' }) description!: string;
  @ApiProperty({ format: 'date-time', example: '2026-11-24T14:05:09.431Z' }) transaction_date!: string;
  @ApiProperty({ format: 'date', example: '2026-11-24' }) value_date!: string;
  @ApiProperty({ format: 'date-time', example: '2026-11-24T22:00:00.000Z' }) posting_date!: string;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, description: 'The QBank payment it posts' }) qbank_payment_id!:
    string | null;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, description: 'The gateway’s payment it posts' }) payment_id!:
    string | null;
  @ApiProperty({ type: 'string', nullable: true, example: '10001' }) check_number!: string | null;
}

export class TransactionPageDto {
  @ApiProperty({ type: [TransactionDto] }) data!: TransactionDto[];
  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as `cursor` for the next page; null on the last' })
  next_cursor!: string | null;
}
