/**
 * Reads that replay much of the log (as-of dashboards, long streams' state, the digest)
 * share the event loop with every other request. The SQLite and in-memory stores answer a
 * page without ever giving the loop a turn, so a replay of a million events used to hold
 * it for seconds (issue 12). These reads go in slices instead: small pages, and a turn of
 * the loop (setImmediate: after pending I/O) whenever SLICE_MS of heavy work was done since
 * the loop last turned. The budget is shared: however many heavy reads run at once, they
 * take turns, one slice a turn, so a turn of the loop stays near SLICE_MS and /health and
 * commands are answered between two slices. The answers do not change.
 */

/** Heavy work done in one turn of the event loop, all heavy reads together. */
export const SLICE_MS = 8;

/** Events a heavy read asks the store for at once: a page is a few milliseconds of work. */
export const SLICE_PAGE = 500;

/** Heavy reads waiting for a turn, first come first served. */
const waiting: (() => void)[] = [];
let scheduled = false;
let turnStarted = performance.now();

function nextTurn(): void {
  scheduled = false;
  turnStarted = performance.now();
  waiting.shift()?.();
  if (waiting.length > 0) schedule();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(nextTurn);
}

/**
 * Called by a heavy read between two pages: undefined while this turn's budget lasts,
 * otherwise a promise that resolves on a later turn of the loop, when it is this read's go.
 */
export function pause(): Promise<void> | undefined {
  if (performance.now() - turnStarted < SLICE_MS) return undefined;
  return new Promise((resolve) => {
    waiting.push(resolve);
    schedule();
  });
}

/** The pages of `pages`, unchanged, read and handled in slices (see pause). */
export async function* inSlices<T>(pages: AsyncIterable<T>): AsyncGenerator<T> {
  for await (const page of pages) {
    yield page;
    const wait = pause();
    if (wait) await wait;
  }
}
