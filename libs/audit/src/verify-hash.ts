import { readsStoredText, type EventStore, type RecordedEvent, type StoredEvent } from '@accord/event-store';
import { computeEventHash, storedEventHash } from './event-hash';
import { EMPTY_LOG_DIGEST, RunningDigest, type LogDigest } from './log-digest';

/**
 * Recomputes events' hashes from their content: from the text the store keeps when it
 * keeps canonical text (readAllStored and storedEventHash, decision 0010), the slow way
 * (computeEventHash) otherwise. A hash from the stored text counts only when it matches
 * the stored hash; any other event, tampered ones included, is hashed the slow way, so the
 * answer is the event's hash whatever form its text is in. A log written before stores kept
 * canonical text never matches: after a few misses and no match, it stops trying.
 */
export class HashRecomputer {
  /** Events whose hash matched when computed from the stored text. */
  hashedAsStored = 0;
  private stored: boolean;
  private misses = 0;

  constructor(store: EventStore) {
    this.stored = readsStoredText(store);
  }

  /** A page of the global log after `after`, with the stored text while it is worth reading. */
  read(store: EventStore, after: number, maxCount: number): Promise<RecordedEvent[]> {
    return this.stored && readsStoredText(store)
      ? store.readAllStored({ after, maxCount })
      : store.readAll({ after, maxCount });
  }

  /** The event's hash, recomputed; from its stored text when it comes from `read`. */
  hash(event: RecordedEvent): string {
    const fast =
      this.stored && typeof (event as Partial<StoredEvent>).dataJson === 'string'
        ? storedEventHash(event as StoredEvent)
        : undefined;
    if (fast !== undefined && fast === event.metadata.hash) {
      this.hashedAsStored++;
      return fast;
    }
    if (this.stored && ++this.misses > 32 && this.hashedAsStored === 0) this.stored = false;
    return computeEventHash(event);
  }
}

/**
 * Advances `running` over a page of the log, each event by its recomputed hash, and calls
 * `mismatch` for each event whose stored hash is another (its content or its hash was changed).
 */
export function digestPage(
  running: RunningDigest,
  recomputer: HashRecomputer,
  page: readonly RecordedEvent[],
  mismatch?: (event: RecordedEvent, recomputed: string) => void,
): void {
  for (const event of page) {
    const hash = recomputer.hash(event);
    if (hash !== event.metadata.hash) mismatch?.(event, hash);
    running.add(event.position, hash);
  }
}

/**
 * digestLog over recomputed hashes, never the stored ones: what GET /audit/digest answers,
 * and what verifyLog's report gives. On an intact log the two are the same value.
 */
export async function digestLogRecomputed(
  store: EventStore,
  from: LogDigest = EMPTY_LOG_DIGEST,
  options: { pageSize?: number; mismatch?: (event: RecordedEvent, recomputed: string) => void } = {},
): Promise<LogDigest> {
  const running = new RunningDigest(from);
  const recomputer = new HashRecomputer(store);
  const pageSize = options.pageSize ?? 1000;
  for (;;) {
    const page = await recomputer.read(store, running.position, pageSize);
    if (page.length === 0) return running.snapshot();
    digestPage(running, recomputer, page, options.mismatch);
  }
}
