import { Controller, Get, HttpCode, Param, ParseEnumPipe, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiConflictResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Actor } from '../audit/actor.decorator.js';
import type { AuditActor } from '../audit/audit-event.factory.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { ValidationFailedError } from '../common/errors/gateway-errors.js';
import { StandardErrorDto } from '../docs/error.dto.js';
import { SYNC_RESOURCES, type SyncResource } from './sync-run.entity.js';
import { runView } from './sync-run.view.js';
import { SyncService } from './sync.service.js';

@ApiTags('Sync')
@Controller('v1/sync')
export class SyncController {
  constructor(private readonly sync: SyncService) {}

  @Get('runs')
  @RequireScope('sync.run')
  @ApiOkResponse({ description: '`{ data, next_cursor }`: the latest runs, newest first' })
  async runs(): Promise<{ data: ReturnType<typeof runView>[]; next_cursor: null }> {
    return { data: (await this.sync.list()).map(runView), next_cursor: null };
  }

  @Post(':resource')
  @RequireScope('sync.run')
  @HttpCode(202)
  @ApiAcceptedResponse({ description: 'The run, started (`?wait=true`: finished)' })
  @ApiConflictResponse({ type: StandardErrorDto, description: 'A sync of this resource is already running (`GW_SYNC_IN_PROGRESS`)' })
  async run(
    @Param(
      'resource',
      new ParseEnumPipe(SYNC_RESOURCES, {
        exceptionFactory: () => new ValidationFailedError(`resource: must be one of ${SYNC_RESOURCES.join(', ')}`),
      }),
    )
    resource: SyncResource,
    @Actor() actor: AuditActor,
    @Query('wait') wait?: string,
  ): Promise<ReturnType<typeof runView>> {
    return runView(await this.sync.start(resource, 'api', actor, wait === 'true'));
  }
}
