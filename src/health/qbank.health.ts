import { Injectable, Logger } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { QBankClient } from '#qbank/client';
import { Clock } from '../common/clock.js';
import { GatewayConfig } from '../config/gateway-config.js';

interface Probe {
  up: boolean;
  circuits: Record<string, string>;
  at: number;
}

/**
 * QBank is reachable and accepts the gateway's credentials (a token, then a one-row read), and no circuit
 * is open. `/health` is public: the probe's result is kept for `HEALTH_QBANK_CACHE_MS` and shared by the
 * probes that arrive meanwhile (anonymous traffic cannot be turned into traffic at the bank), and the
 * answer shows statuses only — QBank's own error text goes to the log, not to whoever asks.
 */
@Injectable()
export class QBankHealthIndicator {
  private readonly logger = new Logger(QBankHealthIndicator.name);
  private last: Probe | undefined;
  private probing: Promise<Probe> | undefined;

  constructor(
    private readonly qbank: QBankClient,
    private readonly indicator: HealthIndicatorService,
    private readonly config: GatewayConfig,
    private readonly clock: Clock,
  ) {}

  async check(key = 'qbank'): Promise<HealthIndicatorResult> {
    const health = this.indicator.check(key);
    const probe = await this.current();
    const open = Object.entries(probe.circuits)
      .filter(([, state]) => state !== 'closed')
      .map(([operation]) => operation);
    if (!probe.up) return health.down({ reachable: false, circuits: probe.circuits });
    return open.length
      ? health.down({ reachable: true, circuits: probe.circuits })
      : health.up({ reachable: true, circuits: probe.circuits });
  }

  private current(): Promise<Probe> {
    const now = this.clock.now().getTime();
    if (this.last && now - this.last.at < this.config.health.qbankCacheMs) return Promise.resolve(this.last);
    this.probing ??= this.probe().finally(() => (this.probing = undefined));
    return this.probing;
  }

  private async probe(): Promise<Probe> {
    let up = true;
    try {
      await this.qbank.listAccounts({ limit: 1 }, { timeoutMs: 3000, retries: 0 });
    } catch (error) {
      up = false;
      this.logger.warn({ err: error }, 'QBank health probe failed');
    }
    // Each operation's circuit breaker as it stands; an open one means callers get 503 from it now.
    this.last = { up, circuits: this.qbank.circuits(), at: this.clock.now().getTime() };
    return this.last;
  }
}
