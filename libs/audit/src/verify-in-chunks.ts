import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { threadPool } from './thread-pool';
import { MAX_DEFAULT_WORKERS } from './default-workers';
import type { EventStore } from '@accord/event-store';
import { RunningDigest } from './log-digest';
import { verifyChunk, type ChunkRange, type ChunkResult } from './verify-chunk';
import { BrokenLinkList, brokenLinks, type BrokenLink } from './broken-link';
import {
  linksTo,
  NO_EVENT_YET,
  SavedDigestCheck,
  verifyReport,
  type StreamTail,
  type VerifyLogOptions,
  type VerifyReport,
} from './verify-log';

/** Verifies chunks of the log somewhere (in this thread, or in worker threads). */
export interface ChunkRunner {
  /** How many chunks may be in flight at once. */
  readonly concurrency: number;
  /** verifyChunk, with `tails` when given. */
  run(range: ChunkRange, tails?: ReadonlyMap<string, StreamTail>): Promise<ChunkResult>;
  close(): Promise<void>;
}

export interface VerifyInChunksOptions extends VerifyLogOptions {
  /** Positions per chunk. Defaults to 20,000. */
  readonly chunkSize?: number;
}

/**
 * verifyLog's report, with the per-event work spread over chunks of positions that a
 * ChunkRunner verifies independently (in worker threads: see verifyLogInWorkers). This
 * thread then links each stream's first event in a chunk to its last in the chunks
 * before, advances the digest over the chunks' hashes in position order, and reports
 * every broken link: the same ones, in the same order, as verifyLog.
 *
 * A chunk verified alone assumes that each stream's first event there moves the stream on
 * (its revision is past the stream's tail), which holds unless a revision comes again or
 * out of order across chunks. When it does not hold, the chunk is verified again with the
 * tails, so that the rules of LogVerifier apply exactly.
 *
 * Chunks are ranges of positions, so this suits stores whose positions are dense
 * (SQLite, PostgreSQL); a log appended to meanwhile is verified up to the end the chunk
 * holding it saw (positions are handed out in commit order, so that is a prefix).
 */
export async function verifyLogInChunks(
  runner: ChunkRunner,
  options: VerifyInChunksOptions = {},
): Promise<VerifyReport> {
  const started = performance.now();
  const chunkSize = options.chunkSize ?? 20_000;
  const tails = new Map<string, StreamTail>();
  const digest = new RunningDigest();
  const saved = new SavedDigestCheck(options.digest);
  const found = new BrokenLinkList();
  const noted = (link: BrokenLink | undefined) => {
    if (link) found.add(link);
  };
  noted(saved.after(digest, undefined));

  // Chunks run ahead of the linking, at most `concurrency` of them plus the one being linked.
  const inFlight = new Map<number, Promise<ChunkResult>>();
  let next = 0;
  const dispatch = () => {
    while (inFlight.size < runner.concurrency + 1) {
      const index = next++;
      const result = runner.run({ index, from: index * chunkSize, to: (index + 1) * chunkSize });
      result.catch(() => undefined);
      inFlight.set(index, result);
    }
  };
  try {
    for (let index = 0; ; index++) {
      dispatch();
      let chunk = await inFlight.get(index)!;
      inFlight.delete(index);
      const comesAgain = chunk.streams.some((stream) => {
        const tail = tails.get(stream.streamId);
        return tail !== undefined && stream.firstRevision <= tail.revision;
      });
      if (comesAgain) {
        const given = new Map<string, StreamTail>();
        for (const { streamId } of chunk.streams) {
          const tail = tails.get(streamId);
          if (tail) given.set(streamId, tail);
        }
        chunk = await runner.run(chunk.range, given);
      }
      link(chunk);
      options.onProgress?.({ events: digest.count, position: chunk.count > 0 ? digest.position : chunk.range.to });
      if (chunk.ended) break;
    }
  } finally {
    await Promise.allSettled(inFlight.values());
  }
  noted(saved.atEnd(digest));
  return verifyReport(started, { events: digest.count, streams: tails.size, digest: digest.snapshot() }, saved, found);

  /**
   * Takes a chunk into the state, its broken links into `found` in log order: at each
   * event, as LogVerifier orders them, the links to earlier chunks of a stream's first
   * event around the chunk's own findings there (place, content, chain), then the saved digest.
   */
  function link(chunk: ChunkResult): void {
    const { hashes, positions, revisions, streamOf, streams, linked } = chunk;
    const listed = chunk.found;
    const at = chunk.foundAt;
    let next = 0;
    for (let i = 0; i < chunk.count; i++) {
      const stream = streams[streamOf[i]];
      if (!linked && stream.firstIndex === i) {
        const first = { streamId: stream.streamId, revision: stream.firstRevision, position: positions[i] };
        if (next < listed.length && at[next] === i && listed[next].problem === 'position-order') {
          found.add(listed[next++]);
        }
        const tail = tails.get(stream.streamId) ?? NO_EVENT_YET;
        let misplaced = stream.firstMisplaced;
        if (!misplaced && first.revision !== tail.revision + 1) {
          found.add(brokenLinks.revisionGap(first, tail.revision + 1));
          misplaced = true;
        }
        if (next < listed.length && at[next] === i) found.add(listed[next++]);
        if (!misplaced && !linksTo(tail, stream.firstPrevHash)) {
          found.add(brokenLinks.chainBroken(first, tail.hash, stream.firstPrevHash));
        }
        // Only a stream's first event in a chunk reads its tail, so it can move to the chunk's end now.
        tails.set(stream.streamId, stream.last);
      }
      while (next < listed.length && at[next] === i) found.add(listed[next++]);
      const position = positions[i];
      digest.add(position > digest.position ? position : digest.position, hashes.slice(i * 64, i * 64 + 64));
      const mismatch = saved.after(digest, { streamId: stream.streamId, revision: revisions[i], position });
      if (mismatch) found.add(mismatch);
    }
    // Those past the chunk's list are only counted: the report's list was full before them.
    found.addUnlisted(chunk.foundCount - listed.length);
    if (linked) for (const stream of streams) tails.set(stream.streamId, stream.last);
  }
}

/** Chunks verified in this thread, one at a time: the reference for the worker pool, and its tests. */
export function inThisThread(store: EventStore, pageSize?: number): ChunkRunner {
  return {
    concurrency: 1,
    run: (range, tails) => verifyChunk(store, range, pageSize, tails),
    close: async () => undefined,
  };
}

export interface WorkerPoolOptions {
  /**
   * Worker threads; defaults to the machine's parallelism, at most 8 (a pool asked for by
   * name: the CLI picks by the log's length with defaultWorkers).
   */
  readonly workers?: number;
  /** The compiled worker (verify-worker.js beside this file by default). */
  readonly script?: string;
}

/**
 * Chunks verified by worker threads, each with its own connection to the store at
 * `storeUrl` (opened by @accord/store-factory, as the CLI opens it).
 */
export function workerPool(storeUrl: string, options: WorkerPoolOptions = {}): ChunkRunner {
  const size = Math.max(1, options.workers ?? Math.min(MAX_DEFAULT_WORKERS, availableParallelism()));
  const script = options.script ?? join(__dirname, 'verify-worker.js');
  // A young generation big enough for a page of parsed events keeps them from being promoted.
  const pool = threadPool<{ result?: ChunkResult; error?: string }>(script, size, {
    workerData: { storeUrl },
    resourceLimits: { maxYoungGenerationSizeMb: 64 },
  });
  return {
    concurrency: pool.size,
    run: async (range, tails) => (await pool.run({ range, tails })).result!,
    close: () => pool.close(),
  };
}

/** verifyLog in worker threads: for SQLite and PostgreSQL stores, named by URL. */
export async function verifyLogInWorkers(
  storeUrl: string,
  options: VerifyInChunksOptions & WorkerPoolOptions = {},
): Promise<VerifyReport> {
  const runner = workerPool(storeUrl, options);
  try {
    return await verifyLogInChunks(runner, options);
  } finally {
    await runner.close();
  }
}
