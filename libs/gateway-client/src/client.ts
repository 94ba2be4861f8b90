import { randomUUID } from 'node:crypto';
import createClient, { type Client } from 'openapi-fetch';
import { gatewayError } from './errors.js';
import type { paths } from './qbank-gateway.schema.js';
import type {
  AchBatch,
  AchRequest,
  Payment,
  PositivePayIssue,
  PositivePayIssueRequest,
  TransferRequest,
  WireRequest,
} from './resources.js';
import { defaultSleep, sendWithRetries, type RetryOptions, type Sleep } from './retry.js';

export interface GatewayClientOptions {
  /** Where the gateway listens, without `/v1` (e.g. `https://qbank-gateway.internal`). */
  baseUrl: string;
  /** The caller's bearer token (a JWT from its identity provider), or a function giving the current one: asked before every attempt. */
  token: string | (() => string | Promise<string>);
  /** How often and how long to retry a 429 or 503 (and a lost answer, where re-sending is safe). */
  retry?: RetryOptions;
  /** How to wait before a retry (default: `setTimeout`). */
  sleep?: Sleep;
  /** The fetch to send with (default: the global one). */
  fetch?: (request: Request) => Promise<Response>;
}

export interface PaymentOptions {
  /**
   * The payment's `Idempotency-Key`, when the caller keeps one with its own record of the payment (to retry it
   * after a crash or a thrown error); default a new UUID v4. Every attempt of the call sends the same key.
   */
  idempotencyKey?: string;
}

/** openapi-fetch's typed client over every path of the gateway, with the token and the retries. */
export type GatewayApi = Client<paths>;

/** The body of a successful openapi-fetch answer, or throws its typed error (`GatewayApiError`, `GatewayProblemError`). */
export function unwrap<T>(result: { data?: unknown; error?: unknown; response: Response }, idempotencyKey?: string): T {
  if (result.response.ok) return result.data as T;
  throw gatewayError(result.response, result.error, idempotencyKey);
}

export function createGatewayClient(options: GatewayClientOptions) {
  const retry = { maxAttempts: 4, maxDelayMs: 30_000, baseDelayMs: 500, ...options.retry };
  const sleep = options.sleep ?? defaultSleep;
  const send = options.fetch ?? ((request: Request) => fetch(request));
  const { token } = options;

  const api: GatewayApi = createClient<paths>({
    baseUrl: options.baseUrl,
    fetch: (request) =>
      sendWithRetries(
        async () => {
          // Each attempt sends a copy of the one request: same body, same Idempotency-Key, the current token.
          const attempt = request.clone();
          attempt.headers.set('authorization', `Bearer ${typeof token === 'string' ? token : await token()}`);
          return send(attempt);
        },
        request.method === 'GET' || request.headers.has('idempotency-key'),
        retry,
        sleep,
      ),
  });

  /** The header of one logical payment: the caller's key or a new one, the same on all its attempts. */
  const keyed = (paymentOptions: PaymentOptions) => {
    const key = paymentOptions.idempotencyKey ?? randomUUID();
    return { key, params: { header: { 'Idempotency-Key': key } } };
  };

  return {
    api,

    /** `POST /v1/payments/wire` → the payment (201; a wire QBank fails at once is `P_FAILED`). */
    async sendWire(body: WireRequest, paymentOptions: PaymentOptions = {}): Promise<Payment> {
      const { key, params } = keyed(paymentOptions);
      return unwrap(await api.POST('/v1/payments/wire', { body, params }), key);
    },

    /** `POST /v1/transfers` → the payment (201). */
    async sendTransfer(body: TransferRequest, paymentOptions: PaymentOptions = {}): Promise<Payment> {
      const { key, params } = keyed(paymentOptions);
      return unwrap(await api.POST('/v1/transfers', { body, params }), key);
    },

    /** `POST /v1/payments/ach` → the batch and its payments, each `P_PENDING` (202). */
    async sendAch(body: AchRequest, paymentOptions: PaymentOptions = {}): Promise<AchBatch> {
      const { key, params } = keyed(paymentOptions);
      return unwrap(await api.POST('/v1/payments/ach', { body, params }), key);
    },

    /** `POST /v1/positivepay/issues` → the issue file, `RECEIVED` (202). */
    async issuePositivePayChecks(body: PositivePayIssueRequest, paymentOptions: PaymentOptions = {}): Promise<PositivePayIssue> {
      const { key, params } = keyed(paymentOptions);
      return unwrap(await api.POST('/v1/positivepay/issues', { body, params }), key);
    },

    /** `GET /v1/payments/{id}`: a payment, or an ACH batch by its `batch_id`, as QBank reports it now. */
    async getPayment<T extends Payment | AchBatch = Payment>(paymentId: string): Promise<T> {
      return unwrap(await api.GET('/v1/payments/{paymentId}', { params: { path: { paymentId } } }));
    },

    /** `GET /v1/positivepay/issues/{id}`: an issue file and each check's status. */
    async getPositivePayIssue(issueId: string): Promise<PositivePayIssue> {
      return unwrap(await api.GET('/v1/positivepay/issues/{issueId}', { params: { path: { issueId } } }));
    },
  };
}

export type GatewayClient = ReturnType<typeof createGatewayClient>;
