import type { EventStore, RecordedEvent } from '@accord/event-store';
import { BrokenLinkList, brokenLinks, type BrokenLink, type EventAt } from './broken-link';
import { computeEventHash, GENESIS_HASH } from './event-hash';
import { RunningDigest, type LogDigest } from './log-digest';
import { HashRecomputer } from './verify-hash';

export type { BrokenLink, BrokenLinkProblem } from './broken-link';

/** The subset of an event the checks read: a RecordedEvent, or a line of an export. */
export type VerifiableEvent = Pick<
  RecordedEvent,
  'streamId' | 'revision' | 'position' | 'id' | 'type' | 'schemaVersion' | 'data' | 'metadata'
>;

/** What the checks keep of a stream: its last event. */
export interface StreamTail {
  revision: number;
  /** The hash the last event carries (null when it carries none), and its hash recomputed from its content. */
  stored: string | null;
  hash: string;
}

/** The tail of a stream with no event yet: the first must be revision 0 and point at 64 zeros. */
export const NO_EVENT_YET: Readonly<StreamTail> = Object.freeze({
  revision: -1,
  stored: GENESIS_HASH,
  hash: GENESIS_HASH,
});

/**
 * Whether `prevHash` links to the tail: it is the previous event's hash, recomputed or as
 * the event carries it. The two differ only when the previous event's content or hash was
 * changed, which is reported there: a changed byte is then one finding, not two, whichever
 * of the content and the hash was changed.
 */
export function linksTo(tail: Readonly<StreamTail>, prevHash: unknown): boolean {
  return prevHash === tail.hash || (prevHash === tail.stored && tail.stored !== null);
}

const storedHashOf = (event: VerifiableEvent): string | null =>
  typeof event.metadata.hash === 'string' ? event.metadata.hash : null;

/**
 * The checks of `verifyLog`, one event at a time in position order: positions strictly
 * increase; each stream's revisions run 0, 1, 2… without a gap or a repeat; each event's
 * hash is its recomputed hash; each event's prevHash is the hash of the stream's previous
 * event (64 zeros for the first). Memory grows with the number of streams (one revision
 * and two hashes each), not with the number of events.
 *
 * It goes on past a broken link, so that one tampering is one finding and every one is
 * found. An event is named at most twice: for its place (its position out of order, or
 * its revision out of sequence, or else its prevHash not linking to the stream's previous
 * event; the first of these only, since a misplaced event's link is moot) and for its
 * content (its hash not its content's). A stream moves on with every event that advances
 * its revision, so a deleted event is one gap, and a revision that comes again is named
 * without setting the stream back. Every event is taken into the digest, by its recomputed
 * hash.
 */
export class LogVerifier {
  private readonly tails = new Map<string, StreamTail>();
  private lastPosition = 0;
  readonly digest: RunningDigest;
  /** Every broken link found so far. */
  readonly found = new BrokenLinkList();
  events = 0;

  constructor(from?: LogDigest) {
    this.digest = new RunningDigest(from);
  }

  get streams(): number {
    return this.tails.size;
  }

  /** The highest position checked. */
  get position(): number {
    return this.lastPosition;
  }

  /**
   * Checks the next event, takes it in, and returns the first broken link it showed (all are
   * in `found`). `computed` is its recomputed hash, when the caller has it (HashRecomputer).
   */
  check(event: VerifiableEvent, computed = computeEventHash(event)): BrokenLink | undefined {
    let first: BrokenLink | undefined;
    const tail = this.tails.get(event.streamId);
    const previous = tail ?? NO_EVENT_YET;
    let misplaced = false;
    if (!(event.position > this.lastPosition)) {
      first = this.note(brokenLinks.positionOrder(event, this.lastPosition));
      misplaced = true;
    } else if (event.revision !== previous.revision + 1) {
      first = this.note(brokenLinks.revisionGap(event, previous.revision + 1));
      misplaced = true;
    }
    if (event.metadata.hash !== computed) {
      const link = this.note(brokenLinks.hashMismatch(event, computed, event.metadata.hash));
      first ??= link;
    }
    if (!misplaced && !linksTo(previous, event.metadata.prevHash)) {
      const link = this.note(brokenLinks.chainBroken(event, previous.hash, event.metadata.prevHash));
      first ??= link;
    }

    if (!tail) {
      this.tails.set(event.streamId, { revision: event.revision, stored: storedHashOf(event), hash: computed });
    } else if (event.revision > tail.revision) {
      tail.revision = event.revision;
      tail.stored = storedHashOf(event);
      tail.hash = computed;
    }
    if (event.position > this.lastPosition) this.lastPosition = event.position;
    this.events++;
    this.digest.add(this.lastPosition, computed);
    return first;
  }

  private note(link: BrokenLink): BrokenLink {
    this.found.add(link);
    return link;
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
  /** Events read and checked: the whole log, broken or not. */
  readonly events: number;
  readonly streams: number;
  /**
   * The digest of the log as read, over each event's recomputed hash (what GET /audit/digest
   * answers for it): the same as over the stored hashes when intact.
   */
  readonly digest: LogDigest;
  /** The first broken link, when there is one. */
  readonly brokenLink?: BrokenLink;
  /** Every broken link in log order, the first BROKEN_LINKS_LISTED of them; empty when intact. */
  readonly brokenLinks: BrokenLink[];
  /** How many there are, listed or not. */
  readonly brokenLinkCount: number;
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
  found: BrokenLinkList,
): VerifyReport {
  return {
    intact: found.count === 0,
    ...counts,
    ...(found.first ? { brokenLink: found.first } : {}),
    brokenLinks: found.listed,
    brokenLinkCount: found.count,
    ...(check.result ? { savedDigest: check.result } : {}),
    elapsedMs: performance.now() - started,
  };
}

/**
 * Streams through the whole log, page by page, and reports every broken link (see
 * LogVerifier): an event whose hash is not its content's, a stream whose chain or
 * revisions break, a position out of order, or (with `digest`) a log that no longer
 * extends a saved digest. A stream rewritten with freshly computed hashes is
 * self-consistent; only a digest saved before the rewrite catches it.
 */
export async function verifyLog(store: EventStore, options: VerifyLogOptions = {}): Promise<VerifyReport> {
  const started = performance.now();
  const pageSize = options.pageSize ?? 500;
  const verifier = new LogVerifier();
  const found = verifier.found;
  const saved = new SavedDigestCheck(options.digest);
  const noted = (link: BrokenLink | undefined) => {
    if (link) found.add(link);
  };
  // Hashes from the stored text where the store keeps it, as the chunks do.
  const recomputer = new HashRecomputer(store);

  noted(saved.after(verifier.digest, undefined));
  for (;;) {
    const page = await recomputer.read(store, verifier.position, pageSize);
    if (page.length === 0) break;
    for (const event of page) {
      verifier.check(event, recomputer.hash(event));
      const mismatch = saved.after(verifier.digest, event);
      if (mismatch) found.add(mismatch);
    }
    options.onProgress?.({ events: verifier.events, position: verifier.position });
  }
  noted(saved.atEnd(verifier.digest));
  return verifyReport(
    started,
    { events: verifier.events, streams: verifier.streams, digest: verifier.digest.snapshot() },
    saved,
    found,
  );
}
