import { Injectable } from '@nestjs/common';
import { QBankClient, type QBankResult } from '#qbank/client';
import type { Balance } from '#qbank/contract';
import { MetricsService } from '../metrics/metrics.service.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { UpstreamCall } from '../common/upstream-call.js';

/** Real-time balances from QBank. Concurrent requests for one account share a single upstream call. */
@Injectable()
export class BalancesService {
  private readonly inFlight = new Map<string, Promise<QBankResult<Balance>>>();

  constructor(
    private readonly qbank: QBankClient,
    private readonly upstream: UpstreamCall,
    private readonly config: GatewayConfig,
    private readonly metrics: MetricsService,
  ) {}

  async balance(accountId: string): Promise<Balance> {
    if (!this.config.balances.coalesce) return (await this.upstream.run((ctx) => this.qbank.getBalance(accountId, ctx))).data;
    let pending = this.inFlight.get(accountId);
    if (!pending) {
      pending = this.upstream.run((ctx) => this.qbank.getBalance(accountId, ctx)).finally(() => this.inFlight.delete(accountId));
      this.inFlight.set(accountId, pending);
      return (await pending).data;
    }
    // A coalesced caller still records which upstream call answered it.
    this.metrics.coalesced.inc();
    return (await this.upstream.run(() => pending)).data;
  }
}
