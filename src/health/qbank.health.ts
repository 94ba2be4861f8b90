import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { QBankClient } from '#qbank/client';

/** QBank is reachable and accepts the gateway's credentials (a token, then a one-row read), and no circuit is open. */
@Injectable()
export class QBankHealthIndicator {
  constructor(
    private readonly qbank: QBankClient,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async check(key = 'qbank'): Promise<HealthIndicatorResult> {
    const health = this.indicator.check(key);
    // Each operation's circuit breaker as it stands; an open one means callers get 503 from it now.
    const circuits = this.qbank.circuits();
    const open = Object.entries(circuits)
      .filter(([, state]) => state !== 'closed')
      .map(([operation]) => operation);
    try {
      await this.qbank.listAccounts({ limit: 1 }, { timeoutMs: 3000, retries: 0 });
      return open.length ? health.down({ message: `circuits not closed: ${open.join(', ')}`, circuits }) : health.up({ circuits });
    } catch (error) {
      return health.down({ message: (error as Error).message, circuits });
    }
  }
}
