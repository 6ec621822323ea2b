import type { ReadStreamOptions, RecordedEvent } from './event-store.port';

/** Applies direction, fromRevision and maxCount to a whole stream held in memory. */
export function readStreamSlice(stream: readonly RecordedEvent[], options: ReadStreamOptions): RecordedEvent[] {
  const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
  if (stream.length === 0 || maxCount <= 0) return [];
  if (options.direction === 'backwards') {
    const from = Math.min(options.fromRevision ?? stream.length - 1, stream.length - 1);
    if (from < 0) return [];
    const start = Math.max(0, from - maxCount + 1);
    return stream.slice(start, from + 1).reverse();
  }
  const from = Math.max(0, options.fromRevision ?? 0);
  return stream.slice(from, from + maxCount);
}
