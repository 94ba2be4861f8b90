import { Controller, Get, HttpCode, Param, ParseEnumPipe, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Actor } from '../audit/actor.decorator.js';
import type { AuditActor } from '../audit/audit-event.factory.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { ValidationFailedError } from '../common/errors/gateway-errors.js';
import { ErrorAnswer } from '../docs/error-answers.js';
import { SYNC_RESOURCES } from './sync-run.entity.js';
import { SyncRunDto, SyncRunPageDto } from './sync-run-responses.dto.js';
import { runView } from './sync-run.view.js';
import { SyncService } from './sync.service.js';

@ApiTags('Sync')
@Controller('v1/sync')
export class SyncController {
  constructor(private readonly sync: SyncService) {}

  @Get('runs')
  @ApiOperation({ summary: 'List sync runs' })
  @RequireScope('sync.run')
  @ApiOkResponse({ type: SyncRunPageDto, description: '`{ data, next_cursor }`: the latest runs, newest first' })
  async runs(): Promise<{ data: ReturnType<typeof runView>[]; next_cursor: null }> {
    return { data: (await this.sync.list()).map(runView), next_cursor: null };
  }

  @Post(':resource')
  @ApiOperation({ summary: 'Start a sync of one resource' })
  @RequireScope('sync.run')
  // Declared, and the parameter typed `(typeof SYNC_RESOURCES)[number]` rather than the imported alias
  // `SyncResource`, whose decorator metadata is String under tsc but Object under a per-file compiler
  // (ts-jest): the document must not depend on which one built the gateway.
  @ApiParam({ name: 'resource', enum: SYNC_RESOURCES })
  @ApiQuery({ name: 'wait', required: false, description: '`true`: answer once the run has finished' })
  @HttpCode(202)
  @ApiAcceptedResponse({ type: SyncRunDto, description: 'The run, started (`?wait=true`: finished)' })
  @ErrorAnswer(400, `\`resource\` is not one of ${SYNC_RESOURCES.join(', ')} (\`GW_VALIDATION\`)`)
  @ErrorAnswer(409, 'A sync of this resource is already running (`GW_SYNC_IN_PROGRESS`)')
  async run(
    @Param(
      'resource',
      new ParseEnumPipe(SYNC_RESOURCES, {
        exceptionFactory: () => new ValidationFailedError(`resource: must be one of ${SYNC_RESOURCES.join(', ')}`),
      }),
    )
    resource: (typeof SYNC_RESOURCES)[number],
    @Actor() actor: AuditActor,
    @Query('wait') wait?: string,
  ): Promise<ReturnType<typeof runView>> {
    return runView(await this.sync.start(resource, 'api', actor, wait === 'true'));
  }
}
