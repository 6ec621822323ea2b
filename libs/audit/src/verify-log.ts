import type { EventStore, RecordedEvent } from '@accord/event-store';
import { brokenLinks, type BrokenLink, type EventAt } from './broken-link';
import { computeEventHash, GENESIS_HASH } from './event-hash';
import { RunningDigest, type LogDigest } from './log-digest';

export type { BrokenLink, BrokenLinkProblem } from './broken-link';

/** The subset of an event the checks read: a RecordedEvent, or a line of an export. */
export type VerifiableEvent = Pick<
  RecordedEvent,
  'streamId' | 'revision' | 'position' | 'id' | 'type' | 'schemaVersion' | 'data' | 'metadata'
>;

interface StreamTail {
  revision: number;
  hash: string;
}

/**
 * The checks of `verifyLog`, one event at a time in position order: positions strictly
 * increase; each stream's revisions run 0, 1, 2… without a gap or a repeat; each event's
 * hash is its recomputed hash; each event's prevHash is the hash of the stream's previous
 * event (64 zeros for the first). Memory grows with the number of streams (one revision
 * and one hash each), not with the number of events.
 */
export class LogVerifier {
  private readonly tails = new Map<string, StreamTail>();
  private lastPosition = 0;
  readonly digest: RunningDigest;
  events = 0;

  constructor(from?: LogDigest) {
    this.digest = new RunningDigest(from);
  }

  get streams(): number {
    return this.tails.size;
  }

  get position(): number {
    return this.lastPosition;
  }

  /** Checks the next event and, when it holds, takes it into the state; else returns the broken link. */
  check(event: VerifiableEvent): BrokenLink | undefined {
    if (!(event.position > this.lastPosition)) return brokenLinks.positionOrder(event, this.lastPosition);
    let tail = this.tails.get(event.streamId);
    const expectedRevision = tail ? tail.revision + 1 : 0;
    if (event.revision !== expectedRevision) return brokenLinks.revisionGap(event, expectedRevision);
    const computed = computeEventHash(event);
    if (event.metadata.hash !== computed) return brokenLinks.hashMismatch(event, computed, event.metadata.hash);
    const expectedPrevious = tail ? tail.hash : GENESIS_HASH;
    if (event.metadata.prevHash !== expectedPrevious) {
      return brokenLinks.chainBroken(event, expectedPrevious, event.metadata.prevHash);
    }
    if (tail) {
      tail.revision = event.revision;
      tail.hash = computed;
    } else {
      tail = { revision: event.revision, hash: computed };
      this.tails.set(event.streamId, tail);
    }
    this.lastPosition = event.position;
    this.events++;
    this.digest.add(event.position, computed);
    return undefined;
  }
}

/**
 * Checks a running digest against a saved one once it has covered as many events
 * (`event` is the one that made the count); shared by every verifier.
 */
export class SavedDigestCheck {
  result: VerifyReport['savedDigest'];

  constructor(readonly saved: LogDigest | undefined) {}

  /** Call after each event taken in; returns the broken link when the digests differ. */
  after(digest: RunningDigest, event: EventAt | undefined): BrokenLink | undefined {
    const saved = this.saved;
    if (!saved || digest.count !== saved.count) return undefined;
    const matched = digest.digest === saved.digest;
    this.result = { matched, positionHere: event?.position ?? null };
    return matched ? undefined : brokenLinks.digestMismatch(event, saved.count, saved.digest, digest.digest);
  }

  /** Call at the end of the log. */
  atEnd(digest: RunningDigest): BrokenLink | undefined {
    const saved = this.saved;
    if (!saved || digest.count >= saved.count) return undefined;
    this.result = { matched: false, positionHere: null };
    return brokenLinks.logTooShort(saved.count, digest.count);
  }
}

export interface VerifyProgress {
  /** Events verified so far. */
  readonly events: number;
  /** Position of the last event verified. */
  readonly position: number;
}

export interface VerifyLogOptions {
  /** Called after each page. */
  readonly onProgress?: (progress: VerifyProgress) => void;
  /** A witness saved earlier: the log must still extend it (same first `count` events, same order). */
  readonly digest?: LogDigest;
  /** Events per readAll page; small pages keep the garbage young. Defaults to 500. */
  readonly pageSize?: number;
}

export interface VerifyReport {
  /** True when every check held (and the saved digest, when given, matched). */
  readonly intact: boolean;
  readonly events: number;
  readonly streams: number;
  /** The digest of the events verified: the whole log when intact. */
  readonly digest: LogDigest;
  readonly brokenLink?: BrokenLink;
  /** When a saved digest was given: where it was checked. */
  readonly savedDigest?: {
    readonly matched: boolean;
    /** The position of the saved digest's last event in this store; another store may number it differently. */
    readonly positionHere: number | null;
  };
  readonly elapsedMs: number;
}

/** The report's shape, shared by every verifier. */
export function verifyReport(
  started: number,
  counts: { events: number; streams: number; digest: LogDigest },
  check: SavedDigestCheck,
  brokenLink?: BrokenLink,
): VerifyReport {
  return {
    intact: brokenLink === undefined,
    ...counts,
    ...(brokenLink ? { brokenLink } : {}),
    ...(check.result ? { savedDigest: check.result } : {}),
    elapsedMs: performance.now() - started,
  };
}

/**
 * Streams through the whole log, page by page, and reports the first broken link: an
 * event whose hash is not its content's, a stream whose chain or revisions break, a
 * position out of order, or (with `digest`) a log that no longer extends a saved digest.
 * A stream rewritten with freshly computed hashes is self-consistent; only a digest saved
 * before the rewrite catches it.
 */
export async function verifyLog(store: EventStore, options: VerifyLogOptions = {}): Promise<VerifyReport> {
  const started = performance.now();
  const pageSize = options.pageSize ?? 500;
  const verifier = new LogVerifier();
  const saved = new SavedDigestCheck(options.digest);
  const finish = (brokenLink?: BrokenLink) =>
    verifyReport(
      started,
      { events: verifier.events, streams: verifier.streams, digest: verifier.digest.snapshot() },
      saved,
      brokenLink,
    );

  let broken = saved.after(verifier.digest, undefined);
  for (let after = 0; !broken;) {
    const page = await store.readAll({ after, maxCount: pageSize });
    if (page.length === 0) break;
    for (let i = 0; i < page.length && !broken; i++) {
      broken = verifier.check(page[i]) ?? saved.after(verifier.digest, page[i]);
    }
    after = page[page.length - 1].position;
    if (!broken) options.onProgress?.({ events: verifier.events, position: after });
  }
  return finish(broken ?? saved.atEnd(verifier.digest));
}
