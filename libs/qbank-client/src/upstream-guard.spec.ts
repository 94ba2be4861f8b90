import { jest } from '@jest/globals';
import { QBankUnavailableError, UpstreamGuard } from './upstream-guard.js';

const failing = () => Promise.reject(new Error('QBank down'));
const ok = () => Promise.resolve('ok');
const always = () => true;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves `work` while the fake clock runs every timer it is waiting on. */
async function settled<T>(work: Promise<T>): Promise<T> {
  await jest.runAllTimersAsync();
  return work;
}

describe('UpstreamGuard (on a fake clock)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('opens an operation’s circuit after consecutive failures, fails fast with Retry-After, probes once, and closes on success', async () => {
    const changes: string[] = [];
    const guard = new UpstreamGuard({ failureThreshold: 3, openMs: 200 }, (op, state) => changes.push(`${op} ${state}`));
    let calls = 0;
    const counted = () => {
      calls += 1;
      return failing();
    };
    for (let i = 0; i < 3; i += 1) await expect(guard.run('GET /balances/:id', 1000, counted, always)).rejects.toThrow('QBank down');
    expect(guard.states()).toEqual({ 'GET /balances/:id': 'open' });
    const refused = await guard.run('GET /balances/:id', 1000, counted, always).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(QBankUnavailableError);
    expect(refused).toMatchObject({ reason: 'circuit_open', retryAfterSeconds: 1 });
    expect(calls).toBe(3); // the open circuit did not call QBank
    await expect(guard.run('POST /payments/wire', 1000, ok, always)).resolves.toBe('ok'); // other operations are unaffected

    await jest.advanceTimersByTimeAsync(220);
    expect(guard.states()['GET /balances/:id']).toBe('half-open');
    let release!: () => void;
    const probe = guard.run('GET /balances/:id', 1000, () => new Promise<string>((resolve) => (release = () => resolve('back'))), always);
    await expect(guard.run('GET /balances/:id', 1000, ok, always)).rejects.toBeInstanceOf(QBankUnavailableError); // one probe at a time
    release();
    await expect(probe).resolves.toBe('back');
    expect(guard.states()['GET /balances/:id']).toBe('closed');
    expect(changes).toEqual(['GET /balances/:id open', 'GET /balances/:id half-open', 'GET /balances/:id closed']);
  });

  it('a failed probe opens the circuit again; errors the caller caused (4xx) never count', async () => {
    const guard = new UpstreamGuard({ failureThreshold: 1, openMs: 50 });
    await expect(guard.run('op', 1000, failing, always)).rejects.toThrow();
    await jest.advanceTimersByTimeAsync(60);
    await expect(guard.run('op', 1000, failing, always)).rejects.toThrow('QBank down');
    expect(guard.states().op).toBe('open');
    const notCounted = new UpstreamGuard({ failureThreshold: 1, openMs: 50 });
    for (let i = 0; i < 5; i += 1) await expect(notCounted.run('op', 1000, failing, () => false)).rejects.toThrow('QBank down');
    expect(notCounted.states().op).toBe('closed');
  });

  it('caps concurrent calls: the extra ones wait for a slot, and give up when their budget runs out', async () => {
    const guard = new UpstreamGuard({ maxConcurrent: 2 });
    let inFlight = 0;
    let peak = 0;
    const slow = async () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await sleep(30);
      inFlight -= 1;
      return 'done';
    };
    const results = await settled(Promise.all(Array.from({ length: 6 }, () => guard.run('op', 1000, slow, always))));
    expect(results).toEqual(Array(6).fill('done'));
    expect(peak).toBe(2);
    const blockers = [guard.run('op', 1000, () => sleep(100), always), guard.run('op', 1000, () => sleep(100), always)];
    const waiting = expect(guard.run('op', 20, ok, always)).rejects.toMatchObject({ reason: 'saturated' });
    await jest.advanceTimersByTimeAsync(20);
    await waiting;
    await settled(Promise.all(blockers));
  });

  it('keeps to the rate limit: a burst, then calls spaced at the rate; refuses a call that cannot get a token within its budget', async () => {
    const guard = new UpstreamGuard({ ratePerSecond: 20, burst: 2 });
    const started = Date.now();
    const finished: number[] = [];
    await settled(
      Promise.all(Array.from({ length: 4 }, () => guard.run('op', 1000, ok, always).then(() => finished.push(Date.now() - started)))),
    );
    expect(finished.sort((a, b) => a - b)).toEqual([0, 0, 50, 100]); // 2 at once, then one every 50 ms
    const refused = expect(guard.run('op', 10, ok, always)).rejects.toMatchObject({ reason: 'rate_limited' });
    await jest.advanceTimersByTimeAsync(10);
    await refused;
  });
});
