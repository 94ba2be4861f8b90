import { readAhead } from './read-ahead.js';

/** A source of `count` pages; records when each fetch starts and finishes. */
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

describe('readAhead', () => {
  it('yields every page once, in order', async () => {
    const seen: number[] = [];
    for await (const page of readAhead(pages(7, []), 3)) seen.push(page);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('fetches up to `depth` pages while the consumer is still busy with the first', async () => {
    const log: string[] = [];
    const iterator = readAhead(pages(10, log), 3);
    await iterator.next();
    // The consumer now works on page 0 for a while; the source keeps fetching meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(log).toEqual(['fetch 0', 'fetch 1', 'fetch 2', 'fetch 3']);
    await iterator.return(undefined);
  });

  it('passes a failed fetch to the consumer at its place in the order', async () => {
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const page of readAhead(pages(6, [], 2), 3)) seen.push(page);
      })(),
    ).rejects.toThrow('page 2 failed');
    expect(seen).toEqual([0, 1]);
  });

  it('stops fetching when the consumer stops', async () => {
    const log: string[] = [];
    for await (const page of readAhead(pages(100, log), 2)) if (page === 1) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(log.length).toBeLessThanOrEqual(4);
  });
});
