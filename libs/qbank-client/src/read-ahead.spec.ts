import { jest } from '@jest/globals';
import { readAhead } from './read-ahead.js';

/** A source of `count` pages, each taking 5 ms to fetch; records when each fetch starts. */
function pages(count: number, log: string[], failAt?: number): AsyncGenerator<number> {
  return (async function* () {
    for (let i = 0; i < count; i += 1) {
      log.push(`fetch ${i}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (i === failAt) throw new Error(`page ${i} failed`);
      yield i;
    }
  })();
}

/** Runs `work` while the fake clock moves on until nothing is left to run. */
async function settled<T>(work: Promise<T>): Promise<T> {
  await jest.runAllTimersAsync();
  return work;
}

describe('readAhead', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('yields every page once, in order', async () => {
    const seen: number[] = [];
    await settled(
      (async () => {
        for await (const page of readAhead(pages(7, []), 3)) seen.push(page);
      })(),
    );
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('fetches up to `depth` pages while the consumer is still busy with the first', async () => {
    const log: string[] = [];
    const iterator = readAhead(pages(10, log), 3);
    const first = iterator.next();
    await jest.advanceTimersByTimeAsync(5);
    expect(await first).toEqual({ done: false, value: 0 });
    // The consumer now works on page 0 for a while; the source keeps fetching meanwhile, three pages ahead.
    await jest.advanceTimersByTimeAsync(60);
    expect(log).toEqual(['fetch 0', 'fetch 1', 'fetch 2', 'fetch 3']);
    await settled(iterator.return(undefined));
  });

  it('passes a failed fetch to the consumer at its place in the order', async () => {
    const seen: number[] = [];
    const consumed = (async () => {
      for await (const page of readAhead(pages(6, [], 2), 3)) seen.push(page);
    })();
    const outcome = expect(consumed).rejects.toThrow('page 2 failed');
    await jest.runAllTimersAsync();
    await outcome;
    expect(seen).toEqual([0, 1]);
  });

  it('stops fetching when the consumer stops', async () => {
    const log: string[] = [];
    await settled(
      (async () => {
        for await (const page of readAhead(pages(100, log), 2)) if (page === 1) break;
      })(),
    );
    expect(log.length).toBeGreaterThanOrEqual(2);
    expect(log.length).toBeLessThanOrEqual(4);
  });
});
