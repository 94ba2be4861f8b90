import { applyDecorators, Controller, Get, SetMetadata } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags, getSchemaPath, type SchemaObject } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { Public } from '../auth/public.decorator.js';
import { NO_AUDIT_FIELDS } from '../common/interceptors/audit-fields.interceptor.js';
import { StandardErrorDto } from '../docs/error.dto.js';
import { DatabaseHealthIndicator } from './database.health.js';
import { FreshnessHealthIndicator } from './freshness.health.js';
import { GrantsHealthIndicator } from './grants.health.js';
import { QBankHealthIndicator } from './qbank.health.js';
import { ShutdownState } from './shutdown-state.js';

const NotAResource = () => SetMetadata(NO_AUDIT_FIELDS, true);

/** Each check by name (`database`, `qbank`, `lifecycle`, …): its `status` and what it reports. */
const CHECKS: SchemaObject = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string', enum: ['up', 'down'] } },
    additionalProperties: true,
  },
  example: { database: { status: 'up' }, lifecycle: { status: 'up' } },
};

const report = (status: 'ok' | 'error'): SchemaObject => ({
  type: 'object',
  required: ['status', 'info', 'error', 'details'],
  properties: { status: { type: 'string', enum: [status] }, info: CHECKS, error: CHECKS, details: CHECKS },
});

/**
 * A terminus check: its report, 200 when every check is up, else 503 through the exception filter (with the
 * standard error fields). Documented here, not by `@HealthCheck()`, whose documentation depends on whether
 * `@nestjs/swagger` can be `require`d where the gateway runs: the document must not.
 */
const HealthReport = (ok: string, unavailable: string): MethodDecorator =>
  applyDecorators(
    HealthCheck({ noCache: true, swaggerDocumentation: false }),
    ApiOkResponse({ description: ok, schema: report('ok') }),
    ApiServiceUnavailableResponse({
      description: unavailable,
      schema: { allOf: [report('error'), { $ref: getSchemaPath(StandardErrorDto) }] },
    }),
  );

/**
 * `/health/live`: the process answers. `/health/ready`: this replica can serve (database, not shutting
 * down) — deliberately not QBank, so that a bank outage never empties the load balancer. `/health`: the
 * full report for monitoring — QBank, and the age of each synced resource — 503 when anything is degraded.
 */
@ApiTags('Health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: DatabaseHealthIndicator,
    private readonly qbank: QBankHealthIndicator,
    private readonly freshness: FreshnessHealthIndicator,
    private readonly grants: GrantsHealthIndicator,
    private readonly indicator: HealthIndicatorService,
    private readonly shutdown: ShutdownState,
  ) {}

  @Public()
  @NotAResource()
  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ description: 'The process answers' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Public()
  @NotAResource()
  @Get('ready')
  @ApiOperation({ summary: 'Readiness: this replica can serve' })
  @HealthReport('Ready', 'Not ready: database unreachable or shutting down')
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.db.check(), () => this.accepting()]);
  }

  @Public()
  @NotAResource()
  @Get()
  @ApiOperation({ summary: 'Full health report for monitoring' })
  @HealthReport(
    'Every check up; `account_grants` lists grants naming accounts the bank does not list (reported, not fatal)',
    'Degraded: database, QBank or shutdown',
  )
  full(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.db.check(),
      () => this.qbank.check(),
      () => this.freshness.check(),
      () => this.grants.check(),
      () => this.accepting(),
    ]);
  }

  private accepting() {
    const health = this.indicator.check('lifecycle');
    return this.shutdown.shuttingDown ? health.down({ message: 'shutting down' }) : health.up();
  }
}
