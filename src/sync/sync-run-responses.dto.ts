import { ApiProperty } from '@nestjs/swagger';
import { AuditFieldsDto } from '../docs/audit-fields.dto.js';
import { SYNC_RESOURCES, type SyncResource } from './sync-run.entity.js';
import type { runView } from './sync-run.view.js';

/** `runView`, with the audit fields. */
export class SyncRunDto extends AuditFieldsDto implements ReturnType<typeof runView> {
  @ApiProperty({ format: 'uuid' }) run_id!: string;
  @ApiProperty({ enum: SYNC_RESOURCES }) resource!: SyncResource;
  @ApiProperty({ enum: ['schedule', 'api', 'startup'] }) trigger!: string;
  @ApiProperty({ description: 'The process that ran it' }) holder!: string;
  @ApiProperty({
    enum: ['running', 'succeeded', 'failed', 'abandoned'],
    description: '`abandoned`: its process died; the next run redid its work',
  })
  status!: string;
  @ApiProperty({ format: 'date-time', example: '2026-11-24T07:30:00.012Z' }) started_at!: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: '2026-11-24T07:31:12.204Z' }) finished_at!: string | null;
  @ApiProperty({ type: 'integer' }) pages!: number;
  @ApiProperty({ type: 'integer' }) inserted!: number;
  @ApiProperty({ type: 'integer' }) updated!: number;
  @ApiProperty({ type: 'integer' }) unchanged!: number;
  @ApiProperty({ type: 'string', nullable: true, description: 'Transactions: the latest posting date stored when the run finished' })
  watermark!: string | null;
  @ApiProperty({ type: 'string', nullable: true }) error!: string | null;
}

export class SyncRunPageDto {
  @ApiProperty({ type: [SyncRunDto] }) data!: SyncRunDto[];
  @ApiProperty({ type: 'string', nullable: true, description: 'Always null: the latest runs fit one page' }) next_cursor!: null;
}
