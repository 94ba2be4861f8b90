import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { QBankClient } from '#qbank/client';

/** QBank is reachable and accepts the gateway's credentials (a token, then a one-row read). */
@Injectable()
export class QBankHealthIndicator {
  constructor(
    private readonly qbank: QBankClient,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async check(key = 'qbank'): Promise<HealthIndicatorResult> {
    const health = this.indicator.check(key);
    try {
      await this.qbank.listAccounts({ limit: 1 }, { timeoutMs: 3000, retries: 0 });
      return health.up();
    } catch (error) {
      return health.down({ message: (error as Error).message });
    }
  }
}
