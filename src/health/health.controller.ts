import { Controller, Get, SetMetadata } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { Public } from '../auth/public.decorator.js';
import { NO_AUDIT_FIELDS } from '../common/interceptors/audit-fields.interceptor.js';
import { DatabaseHealthIndicator } from './database.health.js';
import { FreshnessHealthIndicator } from './freshness.health.js';
import { GrantsHealthIndicator } from './grants.health.js';
import { QBankHealthIndicator } from './qbank.health.js';
import { ShutdownState } from './shutdown-state.js';

const NotAResource = () => SetMetadata(NO_AUDIT_FIELDS, true);

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
  @ApiOkResponse({ description: 'The process answers' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Public()
  @NotAResource()
  @Get('ready')
  @HealthCheck()
  @ApiServiceUnavailableResponse({ description: 'Not ready: database unreachable or shutting down' })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.db.check(), () => this.accepting()]);
  }

  @Public()
  @NotAResource()
  @Get()
  @HealthCheck()
  @ApiServiceUnavailableResponse({ description: 'Degraded: database, QBank or shutdown' })
  @ApiOkResponse({
    description: 'Every check up; `account_grants` lists grants naming accounts the bank does not list (reported, not fatal)',
  })
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
