export interface RetryOptions {
  /** Attempts in all, the first included (default 4). */
  maxAttempts?: number;
  /**
   * The longest the client waits before a retry (default 30 s). A `Retry-After` beyond it is not cut short: the
   * client stops and the error carries `retryAfterSeconds`, for the caller to schedule the retry itself.
   */
  maxDelayMs?: number;
  /** The first wait when the answer gives no `Retry-After` (default 500 ms), doubled on each retry, with jitter. */
  baseDelayMs?: number;
}

/** How the client waits; tests and schedulers pass their own. */
export type Sleep = (ms: number) => Promise<void>;

export const defaultSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The answers worth retrying: the gateway (or QBank behind it) asks to slow down, or is briefly unavailable. */
const RETRIED_STATUSES = new Set([429, 503]);

/** `Retry-After` in seconds: delta-seconds or an HTTP-date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function retryAfterSeconds(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  // Every HTTP-date form names its month; Date.parse alone would take "-5" for a year.
  const at = /[a-z]/i.test(trimmed) ? Date.parse(trimmed) : NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * Sends with `send` until the answer is not a 429 or 503, at most `maxAttempts` times, waiting what each
 * answer's `Retry-After` asks (else an exponential back-off). A request that got no answer is re-sent only when
 * `resendable`: its outcome is unknown, so only a read or a request the gateway de-duplicates (same
 * `Idempotency-Key`) may go again. The last answer is returned as it is, error or not.
 */
export async function sendWithRetries(
  send: () => Promise<Response>,
  resendable: boolean,
  options: Required<RetryOptions>,
  sleep: Sleep,
): Promise<Response> {
  const backOff = (attempt: number) => {
    const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
    return ceiling / 2 + (Math.random() * ceiling) / 2; // jitter: callers that failed together do not retry together
  };
  for (let attempt = 1; ; attempt += 1) {
    let response: Response;
    try {
      response = await send();
    } catch (error) {
      // The caller's own signal ended it (fetch rejects with a DOMException): not the network's doing.
      const { name } = error as { name?: unknown };
      const abandoned = name === 'AbortError' || name === 'TimeoutError';
      if (!resendable || abandoned || attempt >= options.maxAttempts) throw error;
      await sleep(backOff(attempt));
      continue;
    }
    if (!RETRIED_STATUSES.has(response.status) || attempt >= options.maxAttempts) return response;
    const retryAfter = retryAfterSeconds(response.headers.get('retry-after'));
    const delayMs = retryAfter === undefined ? backOff(attempt) : retryAfter * 1000;
    if (delayMs > options.maxDelayMs) return response;
    await response.body?.cancel(); // frees the connection for the retry
    await sleep(delayMs);
  }
}
