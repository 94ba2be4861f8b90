import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type {
  AchBatchRequest,
  PositivePayExceptionStatus,
  PositivePayIssueRequest,
  Transaction,
  TransferRequest,
  WireRequest,
} from '#qbank/contract';
import { ERROR_CODES } from '#qbank/contract';
import { Bank, publicPayment, type StoredBatch } from './bank.js';
import { businessDayOnOrBefore, epochDay, isoDateTime } from './data/calendar.js';
import { Dataset, type ExtraTransaction } from './data/dataset.js';
import { SandboxError, sendError } from './errors.js';
import {
  dateTimeParam,
  decodeCursor,
  enumParam,
  limitParam,
  optionalUuid,
  page,
  type Query,
  uuidParam,
  UUID,
  UUID_V4,
} from './http-helpers.js';
import { fingerprint, IdempotencyStore } from './idempotency.js';
import type { SandboxSettings } from './settings.js';
import { TokenStore } from './tokens.js';
import { SchemaValidator } from './validation.js';
import { WebhookDispatcher } from './webhooks.js';

export interface RequestLogEntry {
  at: string;
  method: string;
  path: string;
  status: number;
  request_id: string;
  idempotency_key: string | null;
  client_id: string | null;
}

const REQUEST_LOG_SIZE = 5000;
const EXCEPTION_STATUSES: readonly PositivePayExceptionStatus[] = ['PENDING_DECISION', 'PAID', 'RETURNED'];

/** Everything the sandbox holds; replaced whole by `POST /sandbox/seed`. */
class SandboxState {
  readonly idempotency = new IdempotencyStore();
  readonly bank: Bank;

  constructor(settings: SandboxSettings, webhooks: WebhookDispatcher) {
    const endDay = settings.historyEndDay ?? businessDayOnOrBefore(epochDay(Date.now()) - 1);
    this.bank = new Bank(new Dataset(settings.seed, settings.accounts, settings.transactionsPerAccount, endDay), webhooks);
  }
}

export function buildSandboxApp(settings: SandboxSettings): { app: FastifyInstance; shutdown: () => void } {
  const app = Fastify({
    logger: false,
    bodyLimit: 2 * 1024 * 1024,
    genReqId: (req) => {
      const sent = req.headers['x-request-id'];
      return typeof sent === 'string' && UUID.test(sent) ? sent : randomUUID();
    },
  });
  const validator = new SchemaValidator();
  const webhooks = new WebhookDispatcher(() => ({
    url: settings.webhookUrl,
    secret: settings.webhookSecret,
    maxAttempts: settings.webhookMaxAttempts,
    retryBaseMs: settings.webhookRetryBaseMs,
  }));
  const tokens = new TokenStore(settings.clients, () => settings.tokenTtlSeconds);
  let state = new SandboxState(settings, webhooks);
  let maintenance = false;
  let tokenRequests = 0;
  let requestCount = 0;
  const requestLog: RequestLogEntry[] = [];

  let settleTimer: NodeJS.Timeout | undefined;
  const scheduleSettlement = (): void => {
    if (settleTimer) clearInterval(settleTimer);
    settleTimer = undefined;
    if (settings.achSettleIntervalSeconds > 0) {
      settleTimer = setInterval(() => state.bank.settle(), settings.achSettleIntervalSeconds * 1000);
      settleTimer.unref();
    }
  };
  scheduleSettlement();

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, new SandboxError(404, ERROR_CODES.routeNotFound, `No route ${request.method} ${request.url.split('?')[0]}`)),
  );

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    if (!request.url.startsWith('/v1/')) return;
    if (maintenance) {
      throw new SandboxError(503, ERROR_CODES.maintenance, 'QBank Connect is in scheduled maintenance', {
        'Retry-After': String(settings.maintenanceRetryAfterSeconds),
      });
    }
    if (settings.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, settings.latencyMs).unref());
  });
  app.addHook('onSend', async (request) => {
    if (settings.answerDelayMs > 0 && request.url.startsWith('/v1/'))
      await new Promise((resolve) => setTimeout(resolve, settings.answerDelayMs).unref());
  });
  app.addHook('onResponse', async (request, reply) => {
    requestCount += 1;
    if (!request.url.startsWith('/v1/')) return;
    const key = request.headers['idempotency-key'];
    requestLog.push({
      at: isoDateTime(Date.now()),
      method: request.method,
      path: request.url.split('?')[0] ?? request.url,
      status: reply.statusCode,
      request_id: request.id,
      idempotency_key: typeof key === 'string' ? key : null,
      client_id: (request as { clientId?: string }).clientId ?? null,
    });
    // Trimmed in halves, not per request: keeps between REQUEST_LOG_SIZE and twice that, cheaply.
    if (requestLog.length >= 2 * REQUEST_LOG_SIZE) requestLog.splice(0, REQUEST_LOG_SIZE);
  });

  const authorize = (request: FastifyRequest, scope: string): string => {
    const clientId = tokens.authorize(request, scope).clientId;
    (request as { clientId?: string }).clientId = clientId;
    return clientId;
  };
  const stamp = <T extends object>(request: FastifyRequest, clientId: string, resource: T) => ({
    ...resource,
    timestamp: isoDateTime(Date.now()),
    actor: clientId,
    request_id: request.id,
  });
  const stampBatch = (request: FastifyRequest, clientId: string, batch: StoredBatch) => {
    const { payment_ids, client_id: _client, ...rest } = batch;
    return stamp(request, clientId, {
      ...rest,
      type: 'ACH_BATCH' as const,
      payments: payment_ids.map((id) => stamp(request, clientId, publicPayment(state.bank.payments.get(id)!))),
    });
  };

  /** The bank's idempotent POST: key checked, body validated, duplicates answered from the record. */
  const transactional =
    <B>(
      operation: string,
      scope: string,
      schema: string,
      status: number,
      run: (body: B, key: string, clientId: string, id: string, request: FastifyRequest) => Promise<object> | object,
    ) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const clientId = authorize(request, scope);
      const key = request.headers['idempotency-key'];
      if (typeof key !== 'string' || !UUID_V4.test(key)) {
        throw new SandboxError(
          400,
          ERROR_CODES.idempotencyKey,
          key === undefined ? 'Idempotency-Key header is required' : 'Idempotency-Key must be a UUID v4',
        );
      }
      const body = validator.assert<B>(schema, request.body);
      const id = randomUUID();
      const store = state.idempotency;
      const start = store.begin(clientId, key, fingerprint(operation, body), id);
      if (start.kind === 'replay') return reply.code(start.status).header('idempotent-replayed', 'true').send(start.body);
      let result: object;
      try {
        result = await run(body, key, clientId, id, request);
      } catch (error) {
        store.abandon(clientId, key);
        throw error;
      }
      store.complete(clientId, key, status, result);
      return reply.code(status).send(result);
    };

  app.post('/v1/token', async (request, reply) => {
    tokenRequests += 1;
    const form = (request.body ?? {}) as Record<string, string | undefined>;
    if (typeof form !== 'object') throw new SandboxError(400, ERROR_CODES.validation, 'Form body required');
    const answer = tokens.issue(form, request.headers.authorization);
    return reply.header('cache-control', 'no-store').send(answer);
  });

  app.get('/v1/accounts', async (request) => {
    const clientId = authorize(request, 'accounts.read');
    const query = request.query as Query;
    const { accounts, createdAt } = state.bank.data;
    return page('accounts', decodeCursor(query, 'accounts'), accounts.length, limitParam(query), (i) => {
      const a = accounts[i]!;
      return stamp(request, clientId, {
        account_id: a.account_id,
        account_number: a.account_number,
        account_type: a.account_type,
        name: a.name,
        currency: 'USD',
        status: 'OPEN' as const,
        routing_number: '026009593',
        opened_date: a.opened_date,
        updated_at: createdAt,
      });
    });
  });

  app.get('/v1/balances/:accountId', async (request) => {
    const clientId = authorize(request, 'balances.read');
    const account = state.bank.account(uuidParam((request.params as { accountId?: string }).accountId, 'accountId'));
    const balance = state.bank.balance(account);
    return stamp(request, clientId, {
      account_id: account.account_id,
      currency: 'USD',
      ledger_balance: balance.ledger,
      available_balance: balance.available,
      as_of: isoDateTime(Date.now()),
    });
  });

  app.get('/v1/transactions', async (request) => {
    const clientId = authorize(request, 'transactions.read');
    const query = request.query as Query;
    const accountId = optionalUuid(query, 'account_id');
    if (!accountId) throw new SandboxError(400, ERROR_CODES.validation, 'account_id: is required');
    const since = dateTimeParam(query, 'posted_since');
    const until = dateTimeParam(query, 'posted_until');
    const limit = limitParam(query);
    const { data } = state.bank;
    const account = state.bank.account(accountId);
    const list = `t.${accountId}.${since ?? ''}.${until ?? ''}`;
    const start = Math.max(decodeCursor(query, list), since === undefined ? 0 : data.firstIndexPostedFrom(account, since));
    const end = until === undefined ? data.transactionCount(account) : data.firstIndexPostedFrom(account, until);
    // One response time for the whole page, and each posting built in one step: pages of a thousand
    // postings are what a first sync asks for, over and over.
    const timestamp = isoDateTime(Date.now());
    return page(list, start, end, limit, (i) => publicTransaction(data.transaction(account, i), timestamp, clientId, request.id));
  });

  app.post(
    '/v1/payments/wire',
    transactional<WireRequest>('wire', 'payments.wire.write', 'WireRequest', 201, async (body, key, clientId, id, request) =>
      stamp(request, clientId, publicPayment(await state.bank.wire(body, key, clientId, id, settings.processingMs))),
    ),
  );
  app.post(
    '/v1/transfers',
    transactional<TransferRequest>('transfer', 'transfers.write', 'TransferRequest', 201, async (body, key, clientId, id, request) =>
      stamp(request, clientId, publicPayment(await state.bank.transfer(body, key, clientId, id, settings.processingMs))),
    ),
  );
  app.post(
    '/v1/payments/ach',
    transactional<AchBatchRequest>('ach', 'payments.ach.write', 'AchBatchRequest', 202, (body, key, clientId, id, request) =>
      stampBatch(request, clientId, state.bank.ach(body, key, clientId, id)),
    ),
  );
  app.post(
    '/v1/positivepay/issues',
    transactional<PositivePayIssueRequest>(
      'issue',
      'positivepay.issues.write',
      'PositivePayIssueRequest',
      202,
      (body, key, clientId, id, request) => {
        const { client_id: _c, ...issue } = state.bank.issue(body, key, clientId, id);
        return stamp(request, clientId, issue);
      },
    ),
  );

  app.get('/v1/payments/:paymentId', async (request) => {
    const clientId = authorize(request, 'payments.read');
    const id = uuidParam((request.params as { paymentId?: string }).paymentId, 'paymentId');
    const payment = state.bank.payments.get(id);
    if (payment) return stamp(request, clientId, publicPayment(payment));
    const batch = state.bank.batches.get(id);
    if (batch) return stampBatch(request, clientId, batch);
    throw new SandboxError(404, ERROR_CODES.paymentNotFound, `No payment or ACH batch with id ${id}`);
  });

  app.get('/v1/positivepay/issues/:issueId', async (request) => {
    const clientId = authorize(request, 'positivepay.issues.write');
    const id = uuidParam((request.params as { issueId?: string }).issueId, 'issueId');
    const issue = state.bank.issues.get(id);
    if (!issue) throw new SandboxError(404, ERROR_CODES.issueNotFound, `No Positive Pay issue with id ${id}`);
    const { client_id: _c, ...rest } = issue;
    return stamp(request, clientId, rest);
  });

  app.get('/v1/positivepay/exceptions', async (request) => {
    const clientId = authorize(request, 'positivepay.exceptions.read');
    const query = request.query as Query;
    const accountId = optionalUuid(query, 'account_id');
    const status = enumParam(query, 'status', EXCEPTION_STATUSES);
    const matching = state.bank.exceptions.filter((e) => (!accountId || e.account_id === accountId) && (!status || e.status === status));
    return page(
      `x.${accountId ?? ''}.${status ?? ''}`,
      decodeCursor(query, `x.${accountId ?? ''}.${status ?? ''}`),
      matching.length,
      limitParam(query),
      (i) => stamp(request, clientId, matching[i]!),
    );
  });

  // ---- Admin routes: the sandbox's own controls, never part of QBank's API. ----
  const adminBody = (request: FastifyRequest): Record<string, unknown> => {
    const body = request.body ?? {};
    if (typeof body !== 'object' || Array.isArray(body)) throw new SandboxError(400, ERROR_CODES.validation, 'body: must be a JSON object');
    return body as Record<string, unknown>;
  };
  const adminInt = (body: Record<string, unknown>, name: string, min: number, max: number): number | undefined => {
    const value = body[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new SandboxError(400, ERROR_CODES.validation, `${name}: must be an integer from ${min} to ${max}`);
    }
    return value;
  };

  app.post('/sandbox/seed', async (request) => {
    const body = adminBody(request);
    settings.accounts = adminInt(body, 'accounts', 1, 10_000) ?? settings.accounts;
    settings.transactionsPerAccount = adminInt(body, 'transactions_per_account', 0, 10_000_000) ?? settings.transactionsPerAccount;
    settings.seed = adminInt(body, 'seed', 0, 2 ** 31 - 1) ?? settings.seed;
    state = new SandboxState(settings, webhooks);
    return { seed: settings.seed, accounts: settings.accounts, transactions_per_account: settings.transactionsPerAccount };
  });
  app.post('/sandbox/ach/settle', async () => state.bank.settle());
  app.post('/sandbox/eod', async (request) =>
    state.bank.endOfDay(adminInt(adminBody(request), 'transactions_per_account', 0, 100_000) ?? 5),
  );
  app.put('/sandbox/maintenance', async (request) => {
    const enabled = adminBody(request).enabled;
    if (typeof enabled !== 'boolean') throw new SandboxError(400, ERROR_CODES.validation, 'enabled: must be a boolean');
    maintenance = enabled;
    return { enabled };
  });
  app.get('/sandbox/maintenance', async () => ({ enabled: maintenance }));
  app.get('/sandbox/payments', async () => ({
    data: [...state.bank.payments.values()].map((p) => ({ ...publicPayment(p), client_id: p.client_id })),
  }));
  app.get('/sandbox/requests', async (request) => {
    const path = (request.query as Query).path;
    return { data: typeof path === 'string' ? requestLog.filter((r) => r.path === path) : requestLog };
  });
  app.get('/sandbox/stats', async () => ({
    token_requests: tokenRequests,
    tokens_issued: tokens.issued,
    requests: requestCount,
    payments: state.bank.payments.size,
    webhooks_pending: webhooks.pending,
  }));
  app.get('/sandbox/webhooks', async () => ({ data: webhooks.deliveries }));
  app.post('/sandbox/tokens/revoke', async () => ({ revoked: tokens.revokeAll() }));
  app.put('/sandbox/settings', async (request) => {
    const body = adminBody(request);
    const known = [
      'token_ttl_seconds',
      'processing_ms',
      'latency_ms',
      'answer_delay_ms',
      'ach_settle_interval_seconds',
      'maintenance_retry_after_seconds',
      'webhook_url',
      'webhook_secret',
    ];
    const unknown = Object.keys(body).filter((k) => !known.includes(k));
    if (unknown.length) throw new SandboxError(400, ERROR_CODES.validation, `${unknown.join(', ')}: unknown setting`);
    settings.tokenTtlSeconds = adminInt(body, 'token_ttl_seconds', 1, 86_400) ?? settings.tokenTtlSeconds;
    settings.processingMs = adminInt(body, 'processing_ms', 0, 600_000) ?? settings.processingMs;
    settings.latencyMs = adminInt(body, 'latency_ms', 0, 600_000) ?? settings.latencyMs;
    settings.answerDelayMs = adminInt(body, 'answer_delay_ms', 0, 600_000) ?? settings.answerDelayMs;
    settings.maintenanceRetryAfterSeconds =
      adminInt(body, 'maintenance_retry_after_seconds', 1, 3600) ?? settings.maintenanceRetryAfterSeconds;
    const interval = adminInt(body, 'ach_settle_interval_seconds', 0, 86_400);
    if (interval !== undefined) {
      settings.achSettleIntervalSeconds = interval;
      scheduleSettlement();
    }
    for (const [field, apply] of [
      ['webhook_url', (v: string | null) => (settings.webhookUrl = v)],
      ['webhook_secret', (v: string | null) => (settings.webhookSecret = v ?? settings.webhookSecret)],
    ] as const) {
      const value = body[field];
      if (value === undefined) continue;
      if (value !== null && typeof value !== 'string')
        throw new SandboxError(400, ERROR_CODES.validation, `${field}: must be a string or null`);
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

  const shutdown = (): void => {
    if (settleTimer) clearInterval(settleTimer);
    webhooks.close();
  };
  return { app, shutdown };
}

/** A posting as QBank publishes it (without the sandbox's own `posting_ms`), with the response's audit fields. */
function publicTransaction(t: ExtraTransaction, timestamp: string, actor: string, requestId: string): Transaction {
  return {
    transaction_id: t.transaction_id,
    account_id: t.account_id,
    type: t.type,
    direction: t.direction,
    amount: t.amount,
    currency: t.currency,
    description: t.description,
    transaction_date: t.transaction_date,
    value_date: t.value_date,
    posting_date: t.posting_date,
    payment_id: t.payment_id,
    check_number: t.check_number,
    timestamp,
    actor,
    request_id: requestId,
  };
}
