const handled = (): void => undefined;

/**
 * Yields what `source` yields, while keeping `depth` further items requested ahead of the consumer:
 * a producer that answers slowly (QBank's pages) and a consumer that blocks (synchronous database writes)
 * then work at the same time instead of taking turns. An async generator queues `next()` calls and runs
 * them one after another, so pages are still fetched in order, each with the previous page's cursor.
 * Memory is bounded by `depth` items. When the consumer stops early, the source is told to stop after
 * the requests already made.
 */
export async function* readAhead<T>(source: AsyncGenerator<T>, depth: number): AsyncGenerator<T> {
  const ahead: Promise<IteratorResult<T>>[] = [];
  let finished = false;
  const fill = (): void => {
    while (ahead.length < depth) {
      const next = source.next();
      // A failure is thrown where it is awaited below; until then it must not count as unhandled.
      next.catch(handled);
      ahead.push(next);
    }
  };
  try {
    fill();
    for (;;) {
      const result = await ahead.shift()!;
      if (result.done) {
        finished = true;
        return;
      }
      // `depth` requests stay outstanding while the consumer works on this item.
      fill();
      yield result.value;
    }
  } finally {
    if (!finished) source.return(undefined).catch(handled);
  }
}
