import { ApiProperty } from '@nestjs/swagger';

/** The standard error format (every 4xx/5xx but the idempotency problems). */
export class StandardErrorDto {
  @ApiProperty({ example: "Missing scope payments.wire.write: none of the caller's roles grants it" }) message!: string;
  @ApiProperty({ example: 'GW_SCOPE_MISSING', description: "The gateway's own codes start with `GW_`; QBank's (`ERR_…`) pass through." })
  error_code!: string;
  @ApiProperty({ format: 'uuid' }) request_id!: string;
}

/** RFC 9457 problem details (`application/problem+json`): 409 in flight, 422 key reused with another body. */
export class ProblemDto {
  @ApiProperty({ format: 'uri', example: 'https://qbank-gateway.dev/problems/idempotency-conflict' }) type!: string;
  @ApiProperty({ example: 'Idempotency conflict' }) title!: string;
  @ApiProperty({ enum: [409, 422] }) status!: number;
  @ApiProperty() detail!: string;
  @ApiProperty({ format: 'uuid', nullable: true, description: 'Poll `GET /v1/payments/{transaction_id}`.' }) transaction_id!: string | null;
  @ApiProperty({ format: 'uuid' }) request_id!: string;
}
