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
import {
  QBankApiError,
  QBankError,
  QBankIdempotencyConflictError,
  QBankIdempotencyMismatchError,
  QBankNetworkError,
  QBankTimeoutError,
} from './errors.js';
import { TokenManager, type FetchedToken } from './token-manager.js';
import { QBankUnavailableError, UpstreamGuard, type UpstreamGuardOptions } from './upstream-guard.js';

export interface QBankClientOptions {
  /** Includes the version prefix, e.g. `http://127.0.0.1:4010/v1`. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs?: number;
  /** Retries after the first attempt, for GETs and for POSTs re-sent with the same key. */
  maxRetries?: number;
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

interface CallSpec {
  method: 'GET' | 'POST';
  path: string;
  scope: QBankScope;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  idempotencyKey?: string;
  context?: CallContext;
}

const RETRYABLE_STATUS = new Set([502, 503, 504]);
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
  private readonly retryBaseDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly basicAuth: string;
  /** Empty when the axios instance already has the client's defaults (the Nest module registers them). */
  private readonly perCallDefaults: Partial<AxiosRequestConfig>;

  constructor(
    private readonly http: AxiosInstance,
    private readonly options: QBankClientOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxRetries = options.maxRetries ?? 3;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 200;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 5_000;
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
    const maxRetries = spec.context?.retries ?? this.maxRetries;
    let refreshedToken = false;
    for (let attempt = 0; ; attempt += 1) {
      const token = await this.tokens.token([spec.scope], maxRetries);
      let response: AxiosResponse<string>;
      try {
        response = await this.send(spec, token, requestId);
      } catch (error) {
        const failure =
          error instanceof QBankError ? error : new QBankNetworkError(`QBank call failed: ${(error as Error).message}`, error);
        // A timed-out call is not retried here: its outcome is unknown and its budget is spent.
        if (failure instanceof QBankNetworkError && attempt < maxRetries) {
          await this.backoff(attempt, null);
          continue;
        }
        throw failure;
      }
      const upstreamId = headerValue(response, 'x-request-id');
      if (response.status >= 200 && response.status < 300) {
        return {
          data: parseJson<T>(response),
          status: response.status,
          requestId: upstreamId,
          replayed: headerValue(response, 'idempotent-replayed') === 'true',
        };
      }
      const error = toError(response, upstreamId);
      if (response.status === 401 && !refreshedToken) {
        refreshedToken = true;
        this.tokens.invalidate([spec.scope], token);
        continue;
      }
      if (RETRYABLE_STATUS.has(response.status) && attempt < maxRetries) {
        await this.backoff(attempt, error instanceof QBankApiError ? error.retryAfterSeconds : null);
        continue;
      }
      throw error;
    }
  }

  private send(spec: CallSpec, token: string, requestId: string): Promise<AxiosResponse<string>> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'x-request-id': requestId, accept: 'application/json' };
    if (spec.idempotencyKey) headers['idempotency-key'] = spec.idempotencyKey;
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    return this.http.request<string>({
      ...this.perCallDefaults,
      method: spec.method,
      url: `${this.options.baseUrl}${spec.path}${spec.query ? queryString(spec.query) : ''}`,
      data: spec.body === undefined ? undefined : JSON.stringify(spec.body),
      headers,
      timeout: spec.context?.timeoutMs ?? this.timeoutMs,
    });
  }

  private async fetchToken(scopes: readonly string[], maxRetries: number): Promise<FetchedToken> {
    const body = new URLSearchParams({ grant_type: 'client_credentials', scope: scopes.join(' ') }).toString();
    let lastError: QBankError | undefined;
    for (let attempt = 0; attempt <= maxRetries; attempt += 1) {
      let response: AxiosResponse<string>;
      try {
        response = await this.http.request<string>({
          method: 'POST',
          url: `${this.options.baseUrl}/token`,
          data: body,
          headers: { authorization: this.basicAuth, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          timeout: this.timeoutMs,
          ...QBANK_AXIOS_DEFAULTS,
        });
      } catch (error) {
        lastError = error instanceof QBankError ? error : new QBankNetworkError((error as Error).message, error);
        if (lastError instanceof QBankNetworkError && attempt < maxRetries) {
          await this.backoff(attempt, null);
          continue;
        }
        throw lastError;
      }
      if (response.status === 200) {
        const token = parseJson<{ access_token?: unknown; expires_in?: unknown }>(response);
        if (typeof token.access_token !== 'string' || typeof token.expires_in !== 'number') {
          throw new QBankNetworkError('QBank token answer without access_token or expires_in');
        }
        return { accessToken: token.access_token, expiresInSeconds: token.expires_in };
      }
      lastError = toError(response, headerValue(response, 'x-request-id'));
      if (!RETRYABLE_STATUS.has(response.status) || attempt >= maxRetries) throw lastError;
      await this.backoff(attempt, lastError instanceof QBankApiError ? lastError.retryAfterSeconds : null);
    }
    throw lastError ?? new QBankNetworkError('QBank token request failed');
  }

  /** Exponential back-off with full jitter; `Retry-After` wins when given, within the cap. */
  private backoff(attempt: number, retryAfterSeconds: number | null): Promise<void> {
    const exponential = this.retryBaseDelayMs * 2 ** attempt;
    const delay =
      retryAfterSeconds !== null
        ? Math.min(this.maxRetryDelayMs, retryAfterSeconds * 1000)
        : Math.min(this.maxRetryDelayMs, exponential / 2 + Math.random() * (exponential / 2));
    return new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function headerValue(response: AxiosResponse, name: string): string | null {
  const value = (response.headers as Record<string, unknown>)[name] ?? (response.headers as { get?: (n: string) => unknown }).get?.(name);
  return typeof value === 'string' ? value : null;
}

function queryString(query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.append(k, String(v));
  const text = params.toString();
  return text ? `?${text}` : '';
}

function parseJson<T>(response: AxiosResponse<string>): T {
  try {
    return JSON.parse(response.data) as T;
  } catch {
    throw new QBankNetworkError(`QBank answered ${response.status} with a body that is not JSON`);
  }
}

function tryJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Maps an error answer to a typed error; an empty or non-JSON body still yields one. */
export function toError(response: AxiosResponse<string>, upstreamId: string | null): QBankError {
  const body = typeof response.data === 'string' ? tryJson(response.data) : null;
  const contentType = headerValue(response, 'content-type') ?? '';
  const requestId = typeof body?.request_id === 'string' ? body.request_id : upstreamId;
  if (body && (contentType.includes('application/problem+json') || 'transaction_id' in body)) {
    const transactionId = typeof body.transaction_id === 'string' ? body.transaction_id : null;
    if (response.status === 409 && transactionId) return new QBankIdempotencyConflictError(transactionId, body, requestId);
    if (response.status === 422) return new QBankIdempotencyMismatchError(transactionId, body, requestId);
  }
  const retryAfterRaw = headerValue(response, 'retry-after');
  const retryAfter = retryAfterRaw ? parseRetryAfter(retryAfterRaw) : null;
  const errorCode = typeof body?.error_code === 'string' ? body.error_code : `HTTP_${response.status}`;
  const message =
    typeof body?.message === 'string'
      ? body.message
      : typeof body?.error_description === 'string'
        ? body.error_description
        : `QBank answered ${response.status} without a readable error body`;
  return new QBankApiError(response.status, errorCode, message, requestId, retryAfter);
}

function parseRetryAfter(value: string): number | null {
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
