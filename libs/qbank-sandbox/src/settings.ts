import { QBANK_SCOPES } from '#qbank/contract';

export interface SandboxClient {
  id: string;
  secret: string;
  scopes: readonly string[];
}

/** Everything the sandbox can be told; `PUT /sandbox/settings` changes the mutable part at run time. */
export interface SandboxSettings {
  port: number;
  host: string;
  seed: number;
  accounts: number;
  transactionsPerAccount: number;
  tokenTtlSeconds: number;
  achSettleIntervalSeconds: number;
  processingMs: number;
  latencyMs: number;
  /** How long each `/v1` answer waits after QBank has acted on the request: an answer late on the way back, overtaken by its webhooks. */
  answerDelayMs: number;
  maintenanceRetryAfterSeconds: number;
  webhookUrl: string | null;
  webhookSecret: string;
  webhookMaxAttempts: number;
  webhookRetryBaseMs: number;
  clients: SandboxClient[];
  /** The last business day of the generated history (epoch day); default: the last business day before today. */
  historyEndDay: number | null;
  /**
   * For tests that move the gateway's clock: payments' timestamps (`created_at`, `status_history`) run this
   * far (ms) from the machine's clock, so that QBank and the gateway agree on "now". Read at each payment.
   */
  clockOffsetMs: number;
  quiet: boolean;
}

export const DEFAULT_CLIENTS: SandboxClient[] = [
  { id: 'gateway', secret: 'sandbox-secret', scopes: [...QBANK_SCOPES] },
  {
    id: 'viewer',
    secret: 'viewer-secret',
    scopes: ['accounts.read', 'balances.read', 'transactions.read', 'payments.read', 'positivepay.exceptions.read'],
  },
];

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  }
  return value;
}

/**
 * `SANDBOX_CLIENTS` adds clients: `id:secret:scope,scope;id2:secret2:scope` (an empty scope list
 * grants every scope).
 */
function clientsFrom(raw: string | undefined): SandboxClient[] {
  if (!raw) return DEFAULT_CLIENTS;
  const extra = raw
    .split(';')
    .filter(Boolean)
    .map((entry) => {
      const [id, secret, scopes] = entry.split(':');
      if (!id || !secret) throw new Error(`SANDBOX_CLIENTS entry "${entry}" must be id:secret[:scopes]`);
      return { id, secret, scopes: scopes ? scopes.split(',') : [...QBANK_SCOPES] };
    });
  return [...DEFAULT_CLIENTS.filter((c) => !extra.some((e) => e.id === c.id)), ...extra];
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): SandboxSettings {
  return {
    port: intFrom(env, 'SANDBOX_PORT', 4010),
    host: env.SANDBOX_HOST ?? '127.0.0.1',
    seed: intFrom(env, 'SANDBOX_SEED', 42),
    accounts: intFrom(env, 'SANDBOX_ACCOUNTS', 5, 1),
    transactionsPerAccount: intFrom(env, 'SANDBOX_TRANSACTIONS_PER_ACCOUNT', 250),
    tokenTtlSeconds: intFrom(env, 'SANDBOX_TOKEN_TTL_SECONDS', 3600, 1),
    achSettleIntervalSeconds: intFrom(env, 'SANDBOX_ACH_SETTLE_INTERVAL_SECONDS', 900),
    processingMs: intFrom(env, 'SANDBOX_PROCESSING_MS', 200),
    latencyMs: intFrom(env, 'SANDBOX_LATENCY_MS', 0),
    answerDelayMs: intFrom(env, 'SANDBOX_ANSWER_DELAY_MS', 0),
    maintenanceRetryAfterSeconds: intFrom(env, 'SANDBOX_MAINTENANCE_RETRY_AFTER_SECONDS', 30, 1),
    webhookUrl: env.SANDBOX_WEBHOOK_URL || null,
    webhookSecret: env.SANDBOX_WEBHOOK_SECRET || 'sandbox-webhook-secret',
    webhookMaxAttempts: intFrom(env, 'SANDBOX_WEBHOOK_MAX_ATTEMPTS', 10, 1),
    webhookRetryBaseMs: intFrom(env, 'SANDBOX_WEBHOOK_RETRY_BASE_MS', 1000, 1),
    clients: clientsFrom(env.SANDBOX_CLIENTS),
    historyEndDay: null,
    clockOffsetMs: 0,
    quiet: env.SANDBOX_QUIET === '1',
  };
}
