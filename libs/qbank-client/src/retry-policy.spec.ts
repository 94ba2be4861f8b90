import type { IRetryBackoffContext } from 'cockatiel';
import { QBankApiError, QBankIdempotencyConflictError, QBankNetworkError, QBankTimeoutError } from './errors.js';
import { backoffDelay, isRetryable, QBankRetryPolicy } from './retry-policy.js';

const api = (status: number, retryAfterSeconds: number | null = null) =>
  new QBankApiError(status, `HTTP_${status}`, 'm', null, retryAfterSeconds);
const context = (attempt: number, error: Error): IRetryBackoffContext<unknown> => ({
  attempt,
  result: { error },
  signal: new AbortController().signal,
});

describe('QBank retry policy', () => {
  it('retries no answer, 502/503/504 and a 429 whose Retry-After fits the cap; never a timeout or another 4xx', () => {
    expect(isRetryable(new QBankNetworkError('ECONNRESET'), 5000)).toBe(true);
    for (const status of [502, 503, 504]) expect(isRetryable(api(status, 60), 5000)).toBe(true);
    expect(isRetryable(api(429), 5000)).toBe(true);
    expect(isRetryable(api(429, 5), 5000)).toBe(true);
    expect(isRetryable(api(429, 6), 5000)).toBe(false);
    expect(isRetryable(new QBankTimeoutError(1000), 5000)).toBe(false);
    for (const status of [400, 401, 403, 404, 422, 500]) expect(isRetryable(api(status), 5000)).toBe(false);
    expect(isRetryable(new QBankIdempotencyConflictError('t', {}, null), 5000)).toBe(false);
    expect(isRetryable(new Error('a bug'), 5000)).toBe(false);
  });

  it('waits out Retry-After within the cap; otherwise full jitter below base · 2^(retry−1), capped', () => {
    expect(backoffDelay(context(1, api(429, 1)), 10, 5000)).toBe(1000);
    expect(backoffDelay(context(1, api(503, 30)), 10, 5000)).toBe(5000);
    expect(backoffDelay(context(1, api(429, 0)), 10, 5000)).toBe(0);
    for (const [attempt, ceiling] of [
      [1, 100],
      [2, 200],
      [3, 400],
      [8, 1000],
    ] as const) {
      const delays = Array.from({ length: 200 }, () => backoffDelay(context(attempt, new QBankNetworkError('x')), 100, 1000));
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...delays)).toBeLessThan(ceiling);
    }
  });

  it('runs the first attempt and `retries` more; a stop signal ends the retries with the last error', async () => {
    const policy = new QBankRetryPolicy(1, 5);
    let calls = 0;
    const failing = async () => {
      calls += 1;
      throw new QBankNetworkError('ECONNREFUSED');
    };
    await expect(policy.execute(2, failing)).rejects.toBeInstanceOf(QBankNetworkError);
    expect(calls).toBe(3);

    calls = 0;
    await expect(policy.execute(0, failing)).rejects.toBeInstanceOf(QBankNetworkError);
    expect(calls).toBe(1);

    calls = 0;
    await expect(policy.execute(5, async () => (++calls < 3 ? failing() : 'ok'))).resolves.toBe('ok');
    expect(calls).toBe(3);

    calls = 0;
    const stop = new AbortController();
    await expect(
      policy.execute(
        5,
        async () => {
          stop.abort();
          return failing();
        },
        stop.signal,
      ),
    ).rejects.toBeInstanceOf(QBankNetworkError);
    expect(calls).toBe(1);

    calls = 0;
    await expect(
      policy.execute(5, async () => {
        calls += 1;
        throw api(404);
      }),
    ).rejects.toMatchObject({ status: 404 });
    expect(calls).toBe(1);
  });
});
