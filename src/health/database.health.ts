import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { Database } from '../database/database.js';

/**
 * The database answers a trivial query within the timeout. (Terminus's own TypeOrmHealthIndicator cannot
 * be used: it `require()`s @nestjs/typeorm, which Nest 12 ships as ESM only.)
 */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    private readonly db: Database,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async check(key = 'database', timeoutMs = 2000): Promise<HealthIndicatorResult> {
    const health = this.indicator.check(key);
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.db.ping(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
      ]);
      return health.up({ responseTime: Date.now() - started });
    } catch (error) {
      return health.down({ message: (error as Error).message });
    } finally {
      clearTimeout(timer);
    }
  }
}
