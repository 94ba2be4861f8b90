import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { AccountRepository } from '../accounts/account.repository.js';
import { namedAccounts } from '../auth/grants.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { DataAsOf } from '../sync/data-as-of.js';

/**
 * Account grants (roles.yaml) that name accounts the bank does not list, once accounts have been synced:
 * reported, never fatal — a new account arrives with the nightly sync, and a typo should be seen, not
 * take the gateway down.
 */
@Injectable()
export class GrantsHealthIndicator {
  constructor(
    private readonly config: GatewayConfig,
    private readonly accounts: AccountRepository,
    private readonly dataAsOf: DataAsOf,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async check(key = 'account_grants'): Promise<HealthIndicatorResult> {
    const health = this.indicator.check(key);
    const named = [...namedAccounts(this.config.grants)];
    if (!(await this.dataAsOf.of('accounts'))) return health.up({ unknown_accounts: [], checked: false });
    const known = await this.accounts.existing(named);
    return health.up({ unknown_accounts: named.filter((id) => !known.has(id)).sort(), checked: true });
  }
}
