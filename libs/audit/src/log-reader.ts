import type { EventStore, RecordedEvent } from '@accord/event-store';

/** The global log after `after`, one readAll page at a time: memory holds one page. */
export async function* readLogPages(
  store: EventStore,
  options: { after?: number; pageSize?: number } = {},
): AsyncGenerator<RecordedEvent[]> {
  let after = options.after ?? 0;
  const pageSize = options.pageSize ?? 1000;
  for (;;) {
    const page = await store.readAll({ after, maxCount: pageSize });
    if (page.length === 0) return;
    yield page;
    after = page[page.length - 1].position;
  }
}

/** A stream from `fromRevision`, one readStream page at a time. */
export async function* readStreamPages(
  store: EventStore,
  streamId: string,
  options: { fromRevision?: number; pageSize?: number; firstPageSize?: number } = {},
): AsyncGenerator<RecordedEvent[]> {
  let fromRevision = options.fromRevision ?? 0;
  const pageSize = options.pageSize ?? 1000;
  // A reader that knows it needs only a few events asks for those first, and pages on if not.
  let maxCount = Math.max(1, options.firstPageSize ?? pageSize);
  for (;;) {
    const page = await store.readStream(streamId, { fromRevision, maxCount });
    if (page.length === 0) return;
    yield page;
    if (page.length < maxCount) return;
    fromRevision = page[page.length - 1].revision + 1;
    maxCount = pageSize;
  }
}

/**
 * The position of the last event (0 for an empty log), for progress bars. An adapter that
 * knows it cheaply may offer `headPosition()`; otherwise a search with one-event reads
 * (about 2·log2(head) of them) finds it without reading the log through.
 */
export async function findHeadPosition(store: EventStore): Promise<number> {
  const withHead = store as EventStore & { headPosition?: () => Promise<number> };
  if (typeof withHead.headPosition === 'function') return withHead.headPosition();
  const firstAfter = async (after: number): Promise<number | undefined> =>
    (await store.readAll({ after, maxCount: 1 }))[0]?.position;
  // Invariant: an event at `low` exists (or low = 0) and none lies beyond `high`.
  let low = 0;
  let high = Number.MAX_SAFE_INTEGER;
  for (let step = 1024; low + step < high; step *= 2) {
    const found = await firstAfter(low + step);
    if (found === undefined) {
      high = low + step;
      break;
    }
    low = found;
  }
  while (low < high) {
    const middle = low + Math.floor((high - low) / 2);
    const found = await firstAfter(middle);
    if (found === undefined) high = middle;
    else low = found;
  }
  return low;
}
