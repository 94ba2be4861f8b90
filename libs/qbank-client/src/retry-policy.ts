import {
  DelegateBackoff,
  fullJitterGenerator,
  handleWhen,
  type IExponentialBackoffOptions,
  type IRetryBackoffContext,
  retry,
  type RetryPolicy,
} from 'cockatiel';
import { QBankApiError, QBankNetworkError } from './errors.js';

const RETRYABLE_STATUS = new Set([502, 503, 504]);

/**
 * Whether a failed attempt is worth another. Every request the client sends may be sent again: GETs and
 * token requests change nothing, and every POST carries its Idempotency-Key, so QBank answers a re-sent
 * one with the original result. Retried: no answer at all (connection refused or reset), 502/503/504, and
 * 429 when its `Retry-After` (or its absence) fits within `maxDelayMs` — a longer one is QBank saying "not
 * now", which the caller hears at once. Never retried: a timeout (the outcome of a POST is unknown and the
 * call's budget is spent) and any other 4xx.
 */
export function isRetryable(error: Error, maxDelayMs: number): boolean {
  if (error instanceof QBankNetworkError) return true;
  if (!(error instanceof QBankApiError)) return false;
  if (error.status === 429) return error.retryAfterSeconds === null || error.retryAfterSeconds * 1000 <= maxDelayMs;
  return RETRYABLE_STATUS.has(error.status);
}

/**
 * Exponential back-off with full jitter (a random wait below `baseDelayMs · 2^(retry−1)`), capped at
 * `maxDelayMs`; when the failure carries `Retry-After`, that wait instead, within the same cap.
 */
export function backoffDelay(context: IRetryBackoffContext<unknown>, baseDelayMs: number, maxDelayMs: number): number {
  const failure = 'error' in context.result ? context.result.error : undefined;
  if (failure instanceof QBankApiError && failure.retryAfterSeconds !== null) return Math.min(maxDelayMs, failure.retryAfterSeconds * 1000);
  const options: IExponentialBackoffOptions<number> = {
    generator: fullJitterGenerator,
    initialDelay: baseDelayMs,
    maxDelay: maxDelayMs,
    exponent: 2,
  };
  return fullJitterGenerator(context.attempt - 1, options)[0];
}

/**
 * The client's one retry policy, for QBank calls and token requests alike. `retries` is per call (retries
 * after the first attempt); cockatiel's policies keep no state between executions, so one is built per budget.
 */
export class QBankRetryPolicy {
  private readonly byBudget = new Map<number, RetryPolicy>();
  private readonly backoff: DelegateBackoff<IRetryBackoffContext<unknown>>;

  constructor(
    baseDelayMs: number,
    private readonly maxDelayMs: number,
  ) {
    this.backoff = new DelegateBackoff((context) => backoffDelay(context, baseDelayMs, maxDelayMs));
  }

  /** Runs `attempt` until it succeeds, fails for good, or has been retried `retries` times; `stop` ends the retries early. */
  execute<T>(retries: number, attempt: () => Promise<T>, stop?: AbortSignal): Promise<T> {
    let policy = this.byBudget.get(retries);
    if (!policy) {
      policy = retry(
        handleWhen((error) => isRetryable(error, this.maxDelayMs)),
        { maxAttempts: retries, backoff: this.backoff },
      );
      this.byBudget.set(retries, policy);
    }
    return policy.execute(attempt, stop);
  }
}
