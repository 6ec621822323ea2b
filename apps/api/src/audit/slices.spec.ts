import { inSlices, SLICE_MS } from './slices';

/** Pages that each take `workMs` of CPU to produce, as a synchronous store's pages do. */
async function* busyPages(count: number, workMs: number, name = 'p'): AsyncGenerator<string> {
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    while (performance.now() - started < workMs);
    yield `${name}${i}`;
  }
}

async function all<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const seen: T[] = [];
  for await (const page of pages) seen.push(page);
  return seen;
}

describe('heavy reads in slices', () => {
  it('hands over every page, in order', async () => {
    expect(await all(inSlices(busyPages(50, 1)))).toEqual(Array.from({ length: 50 }, (_, i) => `p${i}`));
  });

  it('lets timers and I/O run while a read goes on, which a read in one go does not', async () => {
    const turnsDuring = async (pages: AsyncIterable<string>) => {
      let turns = 0;
      let done = false;
      const tick = () => {
        if (done) return;
        turns++;
        setTimeout(tick, 0);
      };
      setTimeout(tick, 0);
      await all(pages);
      done = true;
      return turns;
    };
    const pages = Math.ceil((10 * SLICE_MS) / 2);
    expect(await turnsDuring(busyPages(pages, 2))).toBe(0);
    expect(await turnsDuring(inSlices(busyPages(pages, 2)))).toBeGreaterThanOrEqual(3);
  });

  it('shares one budget: reads running together take turns and all finish', async () => {
    const order: string[] = [];
    const read = async (name: string) => {
      for await (const page of inSlices(busyPages(30, 2, name))) order.push(page);
    };
    await Promise.all([read('a'), read('b'), read('c')]);
    expect(order).toHaveLength(90);
    for (const name of ['a', 'b', 'c']) {
      expect(order.filter((p) => p.startsWith(name))).toEqual(Array.from({ length: 30 }, (_, i) => `${name}${i}`));
    }
    // Taking turns: the reads interleave instead of running one after the other.
    const switches = order.filter((p, i) => i > 0 && p[0] !== order[i - 1][0]).length;
    expect(switches).toBeGreaterThan(3);
  });
});
