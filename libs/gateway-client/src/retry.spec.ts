import { retryAfterSeconds, sendWithRetries } from './retry.js';

describe('retryAfterSeconds', () => {
  const now = Date.parse('2026-11-24T15:00:00Z');

  it('reads delta-seconds and HTTP-dates (a date in the past is now)', () => {
    expect(retryAfterSeconds('120', now)).toBe(120);
    expect(retryAfterSeconds(' 0 ', now)).toBe(0);
    expect(retryAfterSeconds('Tue, 24 Nov 2026 15:01:30 GMT', now)).toBe(90);
    expect(retryAfterSeconds('Tue, 24 Nov 2026 14:00:00 GMT', now)).toBe(0);
  });

  it('is undefined when absent or unreadable', () => {
    expect(retryAfterSeconds(null, now)).toBeUndefined();
    expect(retryAfterSeconds('soon', now)).toBeUndefined();
    expect(retryAfterSeconds('-5', now)).toBeUndefined();
  });
});

describe('sendWithRetries', () => {
  const options = { maxAttempts: 3, maxDelayMs: 10_000, baseDelayMs: 100 };
  /** A sender that answers from a script, in order: a status (with an optional Retry-After) or a thrown error. */
  const scripted = (...script: (number | [number, string] | Error | DOMException)[]) => {
    let sent = 0;
    const send = async () => {
      const next = script[sent++]!;
      if (typeof next === 'object' && !Array.isArray(next)) throw next;
      const [status, retryAfter] = typeof next === 'number' ? [next, undefined] : next;
      return new Response(null, { status, headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter } });
    };
    return { send, sent: () => sent };
  };
  let waits: number[];
  const sleep = async (ms: number) => void waits.push(ms);
  beforeEach(() => {
    waits = [];
  });

  it('retries 429 and 503 after their Retry-After, and returns the first other answer', async () => {
    const { send, sent } = scripted([429, '2'], [503, '1'], 201);
    expect((await sendWithRetries(send, false, options, sleep)).status).toBe(201);
    expect([sent(), waits]).toEqual([3, [2000, 1000]]);
  });

  it('stops after maxAttempts with the last answer; without Retry-After it backs off, doubling', async () => {
    const { send, sent } = scripted(503, 503, 503, 201);
    expect((await sendWithRetries(send, false, options, sleep)).status).toBe(503);
    expect(sent()).toBe(3);
    expect(waits[0]).toBeGreaterThanOrEqual(50);
    expect(waits[0]).toBeLessThanOrEqual(100);
    expect(waits[1]).toBeGreaterThanOrEqual(100);
    expect(waits[1]).toBeLessThanOrEqual(200);
  });

  it('does not wait for a Retry-After longer than maxDelayMs: that answer is returned', async () => {
    const { send, sent } = scripted([429, '60'], 201);
    expect((await sendWithRetries(send, true, options, sleep)).status).toBe(429);
    expect([sent(), waits]).toEqual([1, []]);
  });

  it('never retries other errors', async () => {
    for (const status of [400, 409, 422, 500, 502, 504]) {
      const { send, sent } = scripted(status, 201);
      expect((await sendWithRetries(send, true, options, sleep)).status).toBe(status);
      expect(sent()).toBe(1);
    }
  });

  it('re-sends after a network error only when re-sending is safe, and never after an abort', async () => {
    const reset = new TypeError('fetch failed');
    const resendable = scripted(reset, 201);
    expect((await sendWithRetries(resendable.send, true, options, sleep)).status).toBe(201);
    expect(resendable.sent()).toBe(2);

    await expect(sendWithRetries(scripted(reset, 201).send, false, options, sleep)).rejects.toBe(reset);
    const aborted = new DOMException('aborted', 'AbortError');
    await expect(sendWithRetries(scripted(aborted, 201).send, true, options, sleep)).rejects.toBe(aborted);
    await expect(sendWithRetries(scripted(reset, reset, reset, 201).send, true, options, sleep)).rejects.toBe(reset);
  });
});
