import { Bank } from './bank.js';
import { businessDayOnOrBefore, epochDay } from './data/calendar.js';
import { Dataset } from './data/dataset.js';
import { FaultInjector } from './faults.js';
import { IdempotencyStore } from './idempotency.js';
import { RequestLog } from './request-log.js';
import type { SandboxSettings } from './settings.js';
import { TokenStore } from './tokens.js';
import { SchemaValidator } from './validation.js';
import { WebhookDispatcher } from './webhooks.js';

/** Everything the sandbox holds, shared by its hooks, its QBank routes and its admin routes. */
export class SandboxState {
  readonly validator = new SchemaValidator();
  readonly webhooks: WebhookDispatcher;
  readonly tokens: TokenStore;
  readonly requestLog = new RequestLog();
  readonly faults = new FaultInjector();
  readonly idempotency = new IdempotencyStore();
  bank: Bank;
  maintenance = false;
  tokenRequests = 0;
  requestCount = 0;
  private settleTimer: NodeJS.Timeout | undefined;

  constructor(readonly settings: SandboxSettings) {
    this.webhooks = new WebhookDispatcher(() => ({
      url: settings.webhookUrl,
      secret: settings.webhookSecret,
      maxAttempts: settings.webhookMaxAttempts,
      retryBaseMs: settings.webhookRetryBaseMs,
    }));
    this.tokens = new TokenStore(settings.clients, () => settings.tokenTtlSeconds);
    this.bank = this.newBank();
    this.scheduleSettlement();
  }

  /** New generated data from the current settings, and a bank that has seen no request yet (`POST /sandbox/seed`). */
  reseed(): void {
    this.idempotency.clear();
    this.bank = this.newBank();
  }

  private newBank(): Bank {
    const { settings } = this;
    const endDay = settings.historyEndDay ?? businessDayOnOrBefore(epochDay(Date.now()) - 1);
    return new Bank(
      new Dataset(settings.seed, settings.accounts, settings.transactionsPerAccount, endDay),
      this.webhooks,
      () => Date.now() + settings.clockOffsetMs,
    );
  }

  /** (Re)starts the ACH batch run at `achSettleIntervalSeconds` (0: only on demand). */
  scheduleSettlement(): void {
    if (this.settleTimer) clearInterval(this.settleTimer);
    this.settleTimer = undefined;
    if (this.settings.achSettleIntervalSeconds > 0) {
      this.settleTimer = setInterval(() => this.bank.settle(), this.settings.achSettleIntervalSeconds * 1000);
      this.settleTimer.unref();
    }
  }

  close(): void {
    if (this.settleTimer) clearInterval(this.settleTimer);
    this.webhooks.close();
  }
}
