import { readsStoredText, type EventStore, type RecordedEvent, type StoredEvent } from '@accord/event-store';
import { computeEventHash, storedEventHash } from './event-hash';
import { brokenLinks, type BrokenLink } from './broken-link';

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
  lastRevision: number;
  lastHash: string;
}

/**
 * What verifying a chunk on its own establishes. Every check that needs only the chunk
 * is done (hashes; revisions, chains and order inside the chunk); what links a stream's
 * first event in the chunk to the chunks before is left to the caller, in `streams`.
 */
export interface ChunkResult {
  readonly range: ChunkRange;
  /** Events checked: all of the chunk, or those before `problem`. */
  readonly count: number;
  /** The log ended inside this chunk when it was read: later chunks are not part of this verification. */
  readonly ended: boolean;
  /** The events' hashes, 64 hex characters each, in order. */
  readonly hashes: string;
  readonly positions: Float64Array;
  readonly revisions: Float64Array;
  /** Index in `streams` of each event's stream. */
  readonly streamOf: Uint32Array;
  readonly streams: ChunkStream[];
  /** The chunk's first local problem, at index `count` (its first event, if not its stream's first there). */
  readonly problem?: BrokenLink;
  /** Events whose hash matched when computed from the stored text (see storedEventHash). */
  readonly hashedAsStored: number;
}

/**
 * Verifies one chunk from the store, page by page. The checks are LogVerifier's, in the
 * same order, except those that need the stream's previous event when it lies in an
 * earlier chunk (see ChunkStream).
 */
export async function verifyChunk(store: EventStore, range: ChunkRange, pageSize = 500): Promise<ChunkResult> {
  const positions: number[] = [];
  const revisions: number[] = [];
  const streamOf: number[] = [];
  const streams: ChunkStream[] = [];
  const byId = new Map<string, number>();
  let hashes = '';
  let problem: BrokenLink | undefined;
  let ended = false;
  let last = range.from;
  let hashedAsStored = 0;
  // A log written before stores kept canonical text never matches: stop trying after a few.
  let stored = readsStoredText(store);
  let misses = 0;

  reading: for (let after = range.from; ;) {
    const page: RecordedEvent[] =
      stored && readsStoredText(store)
        ? await store.readAllStored({ after, maxCount: pageSize })
        : await store.readAll({ after, maxCount: pageSize });
    for (const event of page) {
      if (event.position > range.to) break reading;
      const { streamId, revision, position } = event;
      if (!(position > last)) {
        problem = brokenLinks.positionOrder(event, last);
        break reading;
      }
      let index = byId.get(streamId);
      const stream = index === undefined ? undefined : streams[index];
      if (stream && revision !== stream.lastRevision + 1) {
        problem = brokenLinks.revisionGap(event, stream.lastRevision + 1);
        break reading;
      }
      const fast = stored ? storedEventHash(event as StoredEvent) : undefined;
      const asStored = fast !== undefined && fast === event.metadata.hash;
      if (asStored) hashedAsStored++;
      else if (stored && ++misses > 32 && hashedAsStored === 0) stored = false;
      const computed = asStored ? fast : computeEventHash(event);
      if (event.metadata.hash !== computed) {
        problem = brokenLinks.hashMismatch(event, computed, event.metadata.hash);
        break reading;
      }
      const previous = event.metadata.prevHash;
      if (stream && previous !== stream.lastHash) {
        problem = brokenLinks.chainBroken(event, stream.lastHash, previous);
        break reading;
      }
      if (stream) {
        stream.lastRevision = revision;
        stream.lastHash = computed;
      } else {
        index = streams.length;
        byId.set(streamId, index);
        streams.push({
          streamId,
          firstIndex: positions.length,
          firstRevision: revision,
          firstPrevHash: typeof previous === 'string' ? previous : null,
          lastRevision: revision,
          lastHash: computed,
        });
      }
      positions.push(position);
      revisions.push(revision);
      streamOf.push(index!);
      hashes += computed;
      last = position;
    }
    if (page.length < pageSize) {
      ended = true;
      break;
    }
    after = page[page.length - 1].position;
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
    ...(problem ? { problem } : {}),
    hashedAsStored,
  };
}
