/**
 * Maps items through an async function with at most `depth` results in flight ahead of the consumer, yielding them
 * in input order. Image decoding (sharp, on libuv's thread pool) thus overlaps inference without holding every
 * decoded image in memory. A failure surfaces when the consumer reaches that item.
 */
export async function* prefetchInOrder<T, R>(items: readonly T[], depth: number, work: (item: T, index: number) => Promise<R>): AsyncGenerator<R> {
  if (!(depth >= 1)) throw new Error(`prefetchInOrder: depth must be >= 1, got ${depth}`);
  const pending: Promise<R>[] = [];
  let next = 0;
  const fill = (): void => {
    while (pending.length < depth && next < items.length) {
      const p = work(items[next]!, next);
      p.catch(() => undefined); // handled when awaited in order; avoids an unhandled-rejection crash meanwhile
      pending.push(p);
      next++;
    }
  };
  fill();
  while (pending.length > 0) {
    const value = await pending.shift()!;
    fill();
    yield value;
  }
}
