import type { EventStore } from '@accord/event-store';
import { BROKEN_LINKS_LISTED, brokenLinks, type BrokenLink } from './broken-link';
import { HashRecomputer } from './verify-hash';
import { linksTo, NO_EVENT_YET, type StreamTail } from './verify-log';

/** A slice of the global log by position: after `from`, up to and including `to`. */
export interface ChunkRange {
  readonly index: number;
  readonly from: number;
  readonly to: number;
}

/** A stream as one chunk saw it: where it came in (checked against the previous chunks) and where it left. */
export interface ChunkStream {
  readonly streamId: string;
  /** Index in the chunk of the stream's first event there. */
  readonly firstIndex: number;
  readonly firstRevision: number;
  readonly firstPrevHash: string | null;
  /** The first event's position is out of order: its revision and chain are not checked (LogVerifier's rule). */
  readonly firstMisplaced: boolean;
  /** The stream's tail after the chunk. */
  readonly last: StreamTail;
}

/**
 * What verifying a chunk establishes. Without the tails of the streams before it, every
 * check that needs only the chunk is done, and what links each stream's first event in the
 * chunk to the chunks before (its revision, its prevHash) is left to the caller, in
 * `streams`. With them (`linked`), every check is done.
 */
export interface ChunkResult {
  readonly range: ChunkRange;
  /** Events read: every event of the range the chunk saw. */
  readonly count: number;
  /** The log ended inside this chunk when it was read: later chunks are not part of this verification. */
  readonly ended: boolean;
  /** The events' recomputed hashes, 64 hex characters each, in order. */
  readonly hashes: string;
  readonly positions: Float64Array;
  readonly revisions: Float64Array;
  /** Index in `streams` of each event's stream. */
  readonly streamOf: Uint32Array;
  readonly streams: ChunkStream[];
  /** Whether the streams' tails were given, so that `found` holds every broken link of the chunk. */
  readonly linked: boolean;
  /** The broken links found, in order, the first BROKEN_LINKS_LISTED of them; `foundAt` is each one's event index. */
  readonly found: BrokenLink[];
  readonly foundAt: number[];
  /** How many were found, listed or not. */
  readonly foundCount: number;
  /** The first of them. */
  readonly problem?: BrokenLink;
  /** Events whose hash matched when computed from the stored text (see storedEventHash). */
  readonly hashedAsStored: number;
}

/** The broken links a chunk found, the first BROKEN_LINKS_LISTED with the index of the event each is at. */
class ChunkFindings {
  readonly found: BrokenLink[] = [];
  readonly foundAt: number[] = [];
  count = 0;

  note(link: BrokenLink, at: number): void {
    if (this.found.length < BROKEN_LINKS_LISTED) {
      this.found.push(link);
      this.foundAt.push(at);
    }
    this.count++;
  }
}

/**
 * Verifies one chunk from the store, page by page, with LogVerifier's checks and rules,
 * except, without `tails`, those that need a stream's previous event when it lies in an
 * earlier chunk (see ChunkStream). With `tails` (each stream's tail before the chunk; a
 * stream not in it has no event yet), every check is done.
 */
export async function verifyChunk(
  store: EventStore,
  range: ChunkRange,
  pageSize = 500,
  tails?: ReadonlyMap<string, StreamTail>,
): Promise<ChunkResult> {
  const positions: number[] = [];
  const revisions: number[] = [];
  const streamOf: number[] = [];
  const streams: ChunkStream[] = [];
  const byId = new Map<string, number>();
  // An object, not a closure over the locals: a closure would move `positions` and the rest
  // out of registers, which costs the intact path a few per cent.
  const findings = new ChunkFindings();
  let hashes = '';
  let ended = false;
  let last = range.from;
  const recomputer = new HashRecomputer(store);

  reading: for (let after = range.from; ;) {
    const page = await recomputer.read(store, after, pageSize);
    for (const event of page) {
      if (event.position > range.to) break reading;
      const { streamId, revision, position } = event;
      const outOfOrder = !(position > last);
      if (outOfOrder) findings.note(brokenLinks.positionOrder(event, last), positions.length);
      let index = byId.get(streamId);
      const seen = index === undefined ? undefined : streams[index];
      // The stream's tail before this event, when this chunk can know it.
      const previous = seen ? seen.last : tails && (tails.get(streamId) ?? NO_EVENT_YET);
      let misplaced = outOfOrder;
      if (!misplaced && previous && revision !== previous.revision + 1) {
        findings.note(brokenLinks.revisionGap(event, previous.revision + 1), positions.length);
        misplaced = true;
      }
      const computed = recomputer.hash(event);
      const stored = event.metadata.hash;
      if (stored !== computed) findings.note(brokenLinks.hashMismatch(event, computed, stored), positions.length);
      const prevHash = event.metadata.prevHash;
      if (!misplaced && previous && !linksTo(previous, prevHash)) {
        findings.note(brokenLinks.chainBroken(event, previous.hash, prevHash), positions.length);
      }
      const storedHash = typeof stored === 'string' ? stored : null;
      if (seen) {
        if (revision > seen.last.revision) {
          seen.last.revision = revision;
          seen.last.stored = storedHash;
          seen.last.hash = computed;
        }
      } else {
        index = streams.length;
        byId.set(streamId, index);
        // A stream's first event here moves it on, unless its tail (given) is already past it.
        const moves = !previous || revision > previous.revision;
        streams.push({
          streamId,
          firstIndex: positions.length,
          firstRevision: revision,
          firstPrevHash: typeof prevHash === 'string' ? prevHash : null,
          firstMisplaced: outOfOrder,
          last: moves ? { revision, stored: storedHash, hash: computed } : { ...previous },
        });
      }
      positions.push(position);
      revisions.push(revision);
      streamOf.push(index!);
      hashes += computed;
      if (position > last) last = position;
    }
    if (page.length < pageSize) {
      ended = true;
      break;
    }
    after = last;
  }
  return {
    range,
    count: positions.length,
    ended,
    hashes,
    positions: Float64Array.from(positions),
    revisions: Float64Array.from(revisions),
    streamOf: Uint32Array.from(streamOf),
    streams,
    linked: tails !== undefined,
    found: findings.found,
    foundAt: findings.foundAt,
    foundCount: findings.count,
    ...(findings.found.length > 0 ? { problem: findings.found[0] } : {}),
    hashedAsStored: recomputer.hashedAsStored,
  };
}
