import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { Clock } from '../common/clock.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { SYNC_RESOURCES } from '../sync/sync-run.entity.js';
import { DataAsOf } from '../sync/data-as-of.js';

/** The age of each synced resource against `SYNC_MAX_AGE_HOURS`; never synced counts as too old. */
@Injectable()
export class FreshnessHealthIndicator {
  constructor(
    private readonly dataAsOf: DataAsOf,
    private readonly indicator: HealthIndicatorService,
    private readonly config: GatewayConfig,
    private readonly clock: Clock,
  ) {}

  async check(key = 'synced_data'): Promise<HealthIndicatorResult> {
    const health = this.indicator.check(key);
    const limitSeconds = this.config.sync.maxAgeHours * 3600;
    const details: Record<string, { as_of: string | null; age_seconds: number | null; max_age_seconds: number }> = {};
    let fresh = true;
    for (const resource of SYNC_RESOURCES) {
      const asOf = await this.dataAsOf.of(resource);
      // Against the clock that stamped `asOf`.
      const age = asOf ? Math.round((this.clock.now().getTime() - asOf.getTime()) / 1000) : null;
      details[resource] = { as_of: asOf?.toISOString() ?? null, age_seconds: age, max_age_seconds: limitSeconds };
      if (age === null || age > limitSeconds) fresh = false;
    }
    return fresh ? health.up(details) : health.down(details);
  }
}
