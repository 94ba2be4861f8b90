import type { FastifyInstance, FastifyRequest } from 'fastify';
import { publicPayment } from './bank.js';
import { invalid } from './errors.js';
import { FAULT_STATUSES, type Fault, type FaultStatus } from './faults.js';
import type { Query } from './http-helpers.js';
import type { SandboxState } from './state.js';

const adminBody = (request: FastifyRequest): Record<string, unknown> => {
  const body = request.body ?? {};
  if (typeof body !== 'object' || Array.isArray(body)) throw invalid('body: must be a JSON object');
  return body as Record<string, unknown>;
};

const adminInt = (body: Record<string, unknown>, name: string, min: number, max: number): number | undefined => {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${name}: must be an integer from ${min} to ${max}`);
  }
  return value;
};

const refuseUnknown = (body: Record<string, unknown>, known: readonly string[]): void => {
  const unknown = Object.keys(body).filter((k) => !known.includes(k));
  if (unknown.length) throw invalid(`${unknown.join(', ')}: unknown setting`);
};

const SETTINGS = [
  'token_ttl_seconds',
  'processing_ms',
  'latency_ms',
  'answer_delay_ms',
  'ach_settle_interval_seconds',
  'maintenance_retry_after_seconds',
  'webhook_url',
  'webhook_secret',
];
const FAULT_FIELDS = ['status', 'count', 'retry_after_seconds', 'method', 'path_prefix'];

function faultFrom(body: Record<string, unknown>): Fault {
  refuseUnknown(body, FAULT_FIELDS);
  const { status, method = null, path_prefix: pathPrefix = '/v1/' } = body;
  if (!FAULT_STATUSES.includes(status as FaultStatus)) throw invalid(`status: must be one of ${FAULT_STATUSES.join(', ')}`);
  if (method !== null && method !== 'GET' && method !== 'POST') throw invalid('method: must be GET, POST or null (any)');
  if (typeof pathPrefix !== 'string' || !pathPrefix.startsWith('/v1/')) throw invalid('path_prefix: must be a path starting with /v1/');
  return {
    status: status as FaultStatus,
    count: adminInt(body, 'count', 1, 1_000_000) ?? 1,
    retry_after_seconds: adminInt(body, 'retry_after_seconds', 0, 86_400) ?? null,
    method,
    path_prefix: pathPrefix,
  };
}

/** The sandbox's own controls under `/sandbox`, never part of QBank's API. */
export function registerAdminRoutes(app: FastifyInstance, state: SandboxState): void {
  const { settings, tokens, webhooks } = state;

  app.post('/sandbox/seed', async (request) => {
    const body = adminBody(request);
    settings.accounts = adminInt(body, 'accounts', 1, 10_000) ?? settings.accounts;
    settings.transactionsPerAccount = adminInt(body, 'transactions_per_account', 0, 10_000_000) ?? settings.transactionsPerAccount;
    settings.seed = adminInt(body, 'seed', 0, 2 ** 31 - 1) ?? settings.seed;
    state.reseed();
    return { seed: settings.seed, accounts: settings.accounts, transactions_per_account: settings.transactionsPerAccount };
  });
  app.post('/sandbox/ach/settle', async () => state.bank.settle());
  app.post('/sandbox/eod', async (request) =>
    state.bank.endOfDay(adminInt(adminBody(request), 'transactions_per_account', 0, 100_000) ?? 5),
  );
  app.put('/sandbox/maintenance', async (request) => {
    const enabled = adminBody(request).enabled;
    if (typeof enabled !== 'boolean') throw invalid('enabled: must be a boolean');
    state.maintenance = enabled;
    return { enabled };
  });
  app.get('/sandbox/maintenance', async () => ({ enabled: state.maintenance }));
  app.put('/sandbox/faults', async (request) => ({ fault: state.faults.arm(faultFrom(adminBody(request))) }));
  app.get('/sandbox/faults', async () => ({ fault: state.faults.current() }));
  app.delete('/sandbox/faults', async () => {
    state.faults.clear();
    return { fault: null };
  });
  app.get('/sandbox/payments', async () => ({
    data: [...state.bank.payments.values()].map((p) => ({ ...publicPayment(p), client_id: p.client_id })),
  }));
  app.get('/sandbox/requests', async (request) => {
    const path = (request.query as Query).path;
    return { data: state.requestLog.list(typeof path === 'string' ? path : undefined) };
  });
  app.get('/sandbox/stats', async () => ({
    token_requests: state.tokenRequests,
    tokens_issued: tokens.issued,
    requests: state.requestCount,
    payments: state.bank.payments.size,
    webhooks_pending: webhooks.pending,
  }));
  app.get('/sandbox/webhooks', async () => ({ data: webhooks.deliveries }));
  app.post('/sandbox/tokens/revoke', async () => ({ revoked: tokens.revokeAll() }));
  app.put('/sandbox/settings', async (request) => {
    const body = adminBody(request);
    refuseUnknown(body, SETTINGS);
    settings.tokenTtlSeconds = adminInt(body, 'token_ttl_seconds', 1, 86_400) ?? settings.tokenTtlSeconds;
    settings.processingMs = adminInt(body, 'processing_ms', 0, 600_000) ?? settings.processingMs;
    settings.latencyMs = adminInt(body, 'latency_ms', 0, 600_000) ?? settings.latencyMs;
    settings.answerDelayMs = adminInt(body, 'answer_delay_ms', 0, 600_000) ?? settings.answerDelayMs;
    settings.maintenanceRetryAfterSeconds =
      adminInt(body, 'maintenance_retry_after_seconds', 1, 3600) ?? settings.maintenanceRetryAfterSeconds;
    const interval = adminInt(body, 'ach_settle_interval_seconds', 0, 86_400);
    if (interval !== undefined) {
      settings.achSettleIntervalSeconds = interval;
      state.scheduleSettlement();
    }
    for (const [field, apply] of [
      ['webhook_url', (v: string | null) => (settings.webhookUrl = v)],
      ['webhook_secret', (v: string | null) => (settings.webhookSecret = v ?? settings.webhookSecret)],
    ] as const) {
      const value = body[field];
      if (value === undefined) continue;
      if (value !== null && typeof value !== 'string') throw invalid(`${field}: must be a string or null`);
      apply(value);
    }
    return {
      token_ttl_seconds: settings.tokenTtlSeconds,
      processing_ms: settings.processingMs,
      latency_ms: settings.latencyMs,
      answer_delay_ms: settings.answerDelayMs,
      ach_settle_interval_seconds: settings.achSettleIntervalSeconds,
      maintenance_retry_after_seconds: settings.maintenanceRetryAfterSeconds,
      webhook_url: settings.webhookUrl,
    };
  });
}
