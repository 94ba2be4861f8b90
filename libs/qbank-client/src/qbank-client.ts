import { randomUUID } from 'node:crypto';
import type { AxiosInstance, AxiosRequestConfig, AxiosResponse } from 'axios';
import type {
  AccountPage,
  AchBatch,
  AchBatchRequest,
  Balance,
  Payment,
  PositivePayExceptionPage,
  PositivePayExceptionStatus,
  PositivePayIssue,
  PositivePayIssueRequest,
  QBankScope,
  TransactionPage,
  TransferRequest,
  WireRequest,
} from '#qbank/contract';
import { headerValue, parseJson, successOrThrow, transportError } from './error-mapping.js';
import {
  QBankApiError,
  QBankIdempotencyConflictError,
  QBankIdempotencyMismatchError,
  QBankNetworkError,
  QBankTimeoutError,
  QBankTokenError,
} from './errors.js';
import { QBankRetryPolicy } from './retry-policy.js';
import { TokenManager, type FetchedToken } from './token-manager.js';
import { QBankUnavailableError, UpstreamGuard, type UpstreamGuardOptions } from './upstream-guard.js';

export interface QBankClientOptions {
  /** Includes the version prefix, e.g. `http://127.0.0.1:4010/v1`. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs?: number;
  /** Retries after the first attempt, of calls (a POST is re-sent with the same key) and of token requests. */
  maxRetries?: number;
  /** The first retry waits up to this long (full jitter), each further one up to twice as long as the one before. */
  retryBaseDelayMs?: number;
  /** Upper bound of any one wait, `Retry-After` included. */
  maxRetryDelayMs?: number;
  tokenRefreshSkewSeconds?: number;
  /** Told of every call and token request as it ends (metrics); must not throw. */
  observer?: QBankCallObserver;
  /** Circuit breaker per operation, concurrency cap, client-side rate limit (none by default). */
  guard?: UpstreamGuardOptions;
  /** Told when an operation's circuit opens, half-opens or closes again (logs). */
  onCircuitChange?: (operation: string, state: 'closed' | 'open' | 'half-open') => void;
}

/** What opens a circuit: QBank failing (5xx, maintenance), not answering in time, or unreachable — never a 4xx. */
function countsAgainstCircuit(error: unknown): boolean {
  if (error instanceof QBankApiError) return error.status >= 500;
  return error instanceof QBankTimeoutError || error instanceof QBankNetworkError;
}

/**
 * What the client reports of its own traffic. `operation` is the method and the path with ids replaced
 * (`GET /balances/:id`), `outcome` one of `success`, `client_error`, `server_error`, `timeout`, `network`:
 * label values stay bounded.
 */
export interface QBankCallObserver {
  call(operation: string, outcome: string, seconds: number): void;
  tokenFetch(outcome: string, seconds: number): void;
}

/** The outcome label of a finished call: its error's kind, or success. */
export function outcomeOf(error?: unknown): string {
  if (error === undefined) return 'success';
  if (error instanceof QBankUnavailableError) return error.reason;
  if (error instanceof QBankTimeoutError) return 'timeout';
  if (error instanceof QBankApiError) return error.status >= 500 ? 'server_error' : 'client_error';
  if (error instanceof QBankIdempotencyConflictError || error instanceof QBankIdempotencyMismatchError) return 'client_error';
  return 'network';
}

const ID_SEGMENT = /\/[0-9a-f]{8}-[0-9a-f-]{27,}|\/[^/]*\d[^/]*/gi;

/** Per-call context: the request id to propagate and an optional timeout of its own. */
export interface CallContext {
  requestId?: string;
  timeoutMs?: number;
  /** Retries after the first attempt for this call (default: the client's `maxRetries`). */
  retries?: number;
}

export interface QBankResult<T> {
  data: T;
  status: number;
  /** QBank's `X-Request-ID` of the answer. */
  requestId: string | null;
  /** QBank answered from its idempotency record (a completed duplicate key). */
  replayed: boolean;
}

interface CallTarget {
  path: string;
  scope: QBankScope;
  query?: Record<string, string | number | undefined>;
  context?: CallContext;
}

/** Every POST carries its Idempotency-Key: a retry is then a re-send QBank recognises, never a second request. */
type CallSpec = (CallTarget & { method: 'GET' }) | (CallTarget & { method: 'POST'; body: unknown; idempotencyKey: string });

const identity = (data: unknown): unknown => data;

/**
 * How the client uses axios: bodies are sent as the strings it serialises and read back as text, and every
 * status is an answer to interpret (typed errors), not an exception. Registered as the axios instance's
 * defaults by `QBankClientModule`, and passed per call too for any other instance.
 */
export const QBANK_AXIOS_DEFAULTS = {
  responseType: 'text',
  transformRequest: [identity],
  transformResponse: [identity],
  validateStatus: () => true,
} as const satisfies Partial<AxiosRequestConfig>;

type PaymentOrBatch = Payment | AchBatch;

/**
 * The typed QBank Connect client: the only code that speaks to QBank. HTTP goes through the axios
 * instance it is given (in the gateway, @nestjs/axios's over an undici pool).
 */
export class QBankClient {
  readonly tokens: TokenManager;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryPolicy: QBankRetryPolicy;
  private readonly basicAuth: string;
  /** Empty when the axios instance already has the client's defaults (the Nest module registers them). */
  private readonly perCallDefaults: Partial<AxiosRequestConfig>;

  constructor(
    private readonly http: AxiosInstance,
    private readonly options: QBankClientOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxRetries = options.maxRetries ?? 3;
    this.retryPolicy = new QBankRetryPolicy(options.retryBaseDelayMs ?? 200, options.maxRetryDelayMs ?? 5_000);
    this.basicAuth = `Basic ${Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`).toString('base64')}`;
    this.guard = options.guard ? new UpstreamGuard(options.guard, options.onCircuitChange) : undefined;
    this.perCallDefaults = http.defaults.validateStatus === QBANK_AXIOS_DEFAULTS.validateStatus ? {} : QBANK_AXIOS_DEFAULTS;
    this.tokens = new TokenManager(async (scopes, retries) => {
      const started = performance.now();
      try {
        const token = await this.fetchToken(scopes, retries ?? this.maxRetries);
        options.observer?.tokenFetch('success', (performance.now() - started) / 1000);
        return token;
      } catch (error) {
        options.observer?.tokenFetch(outcomeOf(error), (performance.now() - started) / 1000);
        throw error;
      }
    }, options.tokenRefreshSkewSeconds ?? 60);
  }

  private readonly guard: UpstreamGuard | undefined;

  // ---- Operations ----

  listAccounts(page: { limit?: number; cursor?: string } = {}, context?: CallContext): Promise<QBankResult<AccountPage>> {
    return this.call({ method: 'GET', path: '/accounts', scope: 'accounts.read', query: page, context });
  }

  getBalance(accountId: string, context?: CallContext): Promise<QBankResult<Balance>> {
    return this.call({ method: 'GET', path: `/balances/${encodeURIComponent(accountId)}`, scope: 'balances.read', context });
  }

  listTransactions(
    query: { account_id: string; posted_since?: string; posted_until?: string; limit?: number; cursor?: string },
    context?: CallContext,
  ): Promise<QBankResult<TransactionPage>> {
    return this.call({ method: 'GET', path: '/transactions', scope: 'transactions.read', query, context });
  }

  listPositivePayExceptions(
    query: { account_id?: string; status?: PositivePayExceptionStatus; limit?: number; cursor?: string } = {},
    context?: CallContext,
  ): Promise<QBankResult<PositivePayExceptionPage>> {
    return this.call({ method: 'GET', path: '/positivepay/exceptions', scope: 'positivepay.exceptions.read', query, context });
  }

  getPayment(paymentId: string, context?: CallContext): Promise<QBankResult<PaymentOrBatch>> {
    return this.call({ method: 'GET', path: `/payments/${encodeURIComponent(paymentId)}`, scope: 'payments.read', context });
  }

  getPositivePayIssue(issueId: string, context?: CallContext): Promise<QBankResult<PositivePayIssue>> {
    return this.call({
      method: 'GET',
      path: `/positivepay/issues/${encodeURIComponent(issueId)}`,
      scope: 'positivepay.issues.write',
      context,
    });
  }

  createWire(body: WireRequest, idempotencyKey: string, context?: CallContext): Promise<QBankResult<Payment>> {
    return this.call({ method: 'POST', path: '/payments/wire', scope: 'payments.wire.write', body, idempotencyKey, context });
  }

  createTransfer(body: TransferRequest, idempotencyKey: string, context?: CallContext): Promise<QBankResult<Payment>> {
    return this.call({ method: 'POST', path: '/transfers', scope: 'transfers.write', body, idempotencyKey, context });
  }

  createAchBatch(body: AchBatchRequest, idempotencyKey: string, context?: CallContext): Promise<QBankResult<AchBatch>> {
    return this.call({ method: 'POST', path: '/payments/ach', scope: 'payments.ach.write', body, idempotencyKey, context });
  }

  createPositivePayIssue(
    body: PositivePayIssueRequest,
    idempotencyKey: string,
    context?: CallContext,
  ): Promise<QBankResult<PositivePayIssue>> {
    return this.call({ method: 'POST', path: '/positivepay/issues', scope: 'positivepay.issues.write', body, idempotencyKey, context });
  }

  // ---- Async iterators over pages ----

  iterateAccounts(options: { limit?: number } = {}, context?: CallContext): AsyncGenerator<AccountPage> {
    return this.pages((cursor) => this.listAccounts({ limit: options.limit, cursor }, context));
  }

  iterateTransactions(
    query: { account_id: string; posted_since?: string; posted_until?: string; limit?: number },
    context?: CallContext,
  ): AsyncGenerator<TransactionPage> {
    return this.pages((cursor) => this.listTransactions({ ...query, cursor }, context));
  }

  iteratePositivePayExceptions(
    query: { account_id?: string; status?: PositivePayExceptionStatus; limit?: number } = {},
    context?: CallContext,
  ): AsyncGenerator<PositivePayExceptionPage> {
    return this.pages((cursor) => this.listPositivePayExceptions({ ...query, cursor }, context));
  }

  private async *pages<P extends { next_cursor: string | null }>(
    fetch: (cursor: string | undefined) => Promise<QBankResult<P>>,
  ): AsyncGenerator<P> {
    let cursor: string | undefined;
    do {
      const { data } = await fetch(cursor);
      yield data;
      cursor = data.next_cursor ?? undefined;
    } while (cursor);
  }

  // ---- The call pipeline: token, request id, retries, typed errors ----

  /** The state of each operation's circuit breaker (`GET /balances/:id` → `closed`, `open` or `half-open`). */
  circuits(): Record<string, 'closed' | 'open' | 'half-open'> {
    return this.guard?.states() ?? {};
  }

  private async call<T>(spec: CallSpec): Promise<QBankResult<T>> {
    const observer = this.options.observer;
    const operation = `${spec.method} ${spec.path.replace(ID_SEGMENT, '/:id')}`;
    const guarded = () =>
      this.guard
        ? this.guard.run(operation, spec.context?.timeoutMs ?? this.timeoutMs, () => this.attempts<T>(spec), countsAgainstCircuit)
        : this.attempts<T>(spec);
    if (!observer) return guarded();
    const started = performance.now();
    try {
      const result = await guarded();
      observer.call(operation, 'success', (performance.now() - started) / 1000);
      return result;
    } catch (error) {
      observer.call(operation, outcomeOf(error), (performance.now() - started) / 1000);
      throw error;
    }
  }

  private async attempts<T>(spec: CallSpec): Promise<QBankResult<T>> {
    const requestId = spec.context?.requestId ?? randomUUID();
    const retries = spec.context?.retries ?? this.maxRetries;
    const scopes = [spec.scope];
    // A token request has had its own retries: when it fails, the call ends with its error rather than retrying it.
    const tokenFailed = new AbortController();
    const token = () =>
      this.tokens.token(scopes, retries).catch((error: unknown) => {
        tokenFailed.abort();
        throw error;
      });
    let refreshed = false;
    const response = await this.retryPolicy.execute(
      retries,
      async () => {
        const used = await token();
        const answer = await this.send(spec, used, requestId);
        if (answer.status !== 401 || refreshed) return successOrThrow(answer);
        // A token QBank no longer accepts is replaced once per call and the call sent again at once: not a retry.
        refreshed = true;
        this.tokens.invalidate(scopes, used);
        return successOrThrow(await this.send(spec, await token(), requestId));
      },
      tokenFailed.signal,
    );
    return {
      data: parseJson<T>(response),
      status: response.status,
      requestId: headerValue(response, 'x-request-id'),
      replayed: headerValue(response, 'idempotent-replayed') === 'true',
    };
  }

  private send(spec: CallSpec, token: string, requestId: string): Promise<AxiosResponse<string>> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'x-request-id': requestId, accept: 'application/json' };
    if (spec.method === 'POST') {
      headers['idempotency-key'] = spec.idempotencyKey;
      headers['content-type'] = 'application/json';
    }
    return this.request({
      method: spec.method,
      url: `${this.options.baseUrl}${spec.path}${spec.query ? queryString(spec.query) : ''}`,
      data: spec.method === 'POST' ? JSON.stringify(spec.body) : undefined,
      headers,
      timeout: spec.context?.timeoutMs ?? this.timeoutMs,
    });
  }

  private async fetchToken(scopes: readonly string[], retries: number): Promise<FetchedToken> {
    const body = new URLSearchParams({ grant_type: 'client_credentials', scope: scopes.join(' ') }).toString();
    const response = await this.retryPolicy
      .execute(retries, async () =>
        successOrThrow(
          await this.request({
            method: 'POST',
            url: `${this.options.baseUrl}/token`,
            data: body,
            headers: { authorization: this.basicAuth, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
            timeout: this.timeoutMs,
          }),
        ),
      )
      .catch((error: unknown) => {
        if (error instanceof QBankApiError && error.status >= 400 && error.status < 500 && error.status !== 429)
          throw new QBankTokenError(error.status, error.errorCode, error.message, error.requestId, error.retryAfterSeconds);
        throw error;
      });
    const token = parseJson<{ access_token?: unknown; expires_in?: unknown }>(response);
    if (typeof token.access_token !== 'string' || typeof token.expires_in !== 'number') {
      throw new QBankNetworkError('QBank token answer without access_token or expires_in');
    }
    return { accessToken: token.access_token, expiresInSeconds: token.expires_in };
  }

  /** One HTTP exchange: any answer QBank gives, or the typed error of getting none. */
  private request(config: AxiosRequestConfig<string>): Promise<AxiosResponse<string>> {
    return this.http.request<string>({ ...this.perCallDefaults, ...config }).catch((error: unknown) => {
      throw transportError(error);
    });
  }
}

function queryString(query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.append(k, String(v));
  const text = params.toString();
  return text ? `?${text}` : '';
}
