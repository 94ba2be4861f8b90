import { ApiProperty } from '@nestjs/swagger';
import type { AuditFields } from '../common/interceptors/audit-fields.interceptor.js';

/** The audit fields every resource the gateway answers carries (`AuditFieldsInterceptor`, or stamped with a stored answer). */
export class AuditFieldsDto implements AuditFields {
  @ApiProperty({
    format: 'date-time',
    example: '2026-11-24T14:05:09.431Z',
    description: 'Audit field: when the gateway answered (UTC, ms)',
  })
  timestamp!: string;
  @ApiProperty({ example: 'payroll-service', description: "Audit field: the caller (its token's `sub`)" }) actor!: string;
  @ApiProperty({ format: 'uuid', description: "Audit field: the request id of the call (a stored answer: the initiating call's)" })
  request_id!: string;
}
