import { ApiProperty } from '@nestjs/swagger';

export class BalanceDto {
  @ApiProperty({ format: 'uuid' }) account_id!: string;
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty({ example: '1250000.00', description: 'Decimal string' }) ledger_balance!: string;
  @ApiProperty({ example: '1249000.00', description: 'Ledger less holds and payments in flight; decimal string' })
  available_balance!: string;
  @ApiProperty({ format: 'date-time', example: '2026-11-24T14:05:09.120Z', description: 'When QBank computed the position' })
  as_of!: string;
  @ApiProperty({
    format: 'date-time',
    example: '2026-11-24T14:05:09.431Z',
    description: 'Audit field: when the gateway answered (UTC, ms)',
  })
  timestamp!: string;
  @ApiProperty({ description: 'Audit field: the calling client id' }) actor!: string;
  @ApiProperty({ format: 'uuid', description: "Audit field: this call's request id" }) request_id!: string;
}
