import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EventStore } from '@accord/event-store';
import { GENESIS_HASH } from './event-hash';
import { RunningDigest } from './log-digest';
import { verifyChunk, type ChunkRange, type ChunkResult } from './verify-chunk';
import { brokenLinks, type BrokenLink, type EventAt } from './broken-link';
import { SavedDigestCheck, verifyReport, type VerifyLogOptions, type VerifyReport } from './verify-log';

/** Verifies chunks of the log somewhere (in this thread, or in worker threads). */
export interface ChunkRunner {
  /** How many chunks may be in flight at once. */
  readonly concurrency: number;
  run(range: ChunkRange): Promise<ChunkResult>;
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
 * before, advances the digest over the chunks' hashes in position order, and reports the
 * first broken link: the same one verifyLog reports.
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
  const tails = new Map<string, { revision: number; hash: string }>();
  const digest = new RunningDigest();
  const saved = new SavedDigestCheck(options.digest);
  const finish = (brokenLink?: BrokenLink) =>
    verifyReport(started, { events: digest.count, streams: tails.size, digest: digest.snapshot() }, saved, brokenLink);
  const atStart = saved.after(digest, undefined);
  if (atStart) return finish(atStart);

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
      const chunk = await inFlight.get(index)!;
      inFlight.delete(index);
      const broken = link(chunk);
      if (broken) return finish(broken);
      options.onProgress?.({ events: digest.count, position: chunk.count > 0 ? digest.position : chunk.range.to });
      if (chunk.ended) break;
    }
  } finally {
    await Promise.allSettled(inFlight.values());
  }
  return finish(saved.atEnd(digest));

  /** Takes a chunk into the state, or returns the first broken link in it. */
  function link(chunk: ChunkResult): BrokenLink | undefined {
    const { hashes, positions, revisions, streamOf, streams, problem } = chunk;
    for (let i = 0; i < chunk.count; i++) {
      const stream = streams[streamOf[i]];
      if (stream.firstIndex === i) {
        const first = { streamId: stream.streamId, revision: stream.firstRevision, position: positions[i] };
        const gap = revisionGap(first);
        if (gap) return gap;
        const tail = tails.get(stream.streamId);
        const expected = tail ? tail.hash : GENESIS_HASH;
        if (stream.firstPrevHash !== expected) return brokenLinks.chainBroken(first, expected, stream.firstPrevHash);
        // Only a stream's first event in a chunk reads its tail, so it can move to the chunk's end now.
        tails.set(stream.streamId, { revision: stream.lastRevision, hash: stream.lastHash });
      }
      digest.add(positions[i], hashes.slice(i * 64, i * 64 + 64));
      const mismatch = saved.after(digest, {
        streamId: stream.streamId,
        revision: revisions[i],
        position: positions[i],
      });
      if (mismatch) return mismatch;
    }
    // The chunk's own problem, at its first event not taken in; if that is its stream's
    // first in the chunk, the link to earlier chunks (checked first, as verifyLog does) may fail before.
    if (problem && problem.problem !== 'position-order' && !streams.some((s) => s.streamId === problem.streamId)) {
      return revisionGap(problem as EventAt) ?? problem;
    }
    return problem;
  }

  function revisionGap(event: EventAt): BrokenLink | undefined {
    const tail = tails.get(event.streamId);
    const expected = tail ? tail.revision + 1 : 0;
    return event.revision === expected ? undefined : brokenLinks.revisionGap(event, expected);
  }
}

/** Chunks verified in this thread, one at a time: the reference for the worker pool, and its tests. */
export function inThisThread(store: EventStore, pageSize?: number): ChunkRunner {
  return { concurrency: 1, run: (range) => verifyChunk(store, range, pageSize), close: async () => undefined };
}

export interface WorkerPoolOptions {
  /** Worker threads; defaults to the machine's parallelism, at most 8. */
  readonly workers?: number;
  /** The compiled worker (verify-worker.js beside this file by default). */
  readonly script?: string;
}

/**
 * Chunks verified by worker threads, each with its own connection to the store at
 * `storeUrl` (opened by @accord/store-factory, as the CLI opens it).
 */
export function workerPool(storeUrl: string, options: WorkerPoolOptions = {}): ChunkRunner {
  const size = Math.max(1, options.workers ?? Math.min(8, availableParallelism()));
  const script = options.script ?? join(__dirname, 'verify-worker.js');
  type Job = { range: ChunkRange; resolve: (r: ChunkResult) => void; reject: (e: unknown) => void };
  const queue: Job[] = [];
  const idle: Worker[] = [];
  const busy = new Map<Worker, Job>();
  let failure: unknown;

  const start = (): Worker => {
    // A young generation big enough for a page of parsed events keeps them from being promoted.
    const worker = new Worker(script, { workerData: { storeUrl }, resourceLimits: { maxYoungGenerationSizeMb: 64 } });
    worker.on('message', (message: { result?: ChunkResult; error?: string }) => {
      const job = busy.get(worker)!;
      busy.delete(worker);
      if (message.error !== undefined) job.reject(new Error(message.error));
      else job.resolve(message.result!);
      idle.push(worker);
      pump();
    });
    worker.on('error', (error) => {
      failure = error;
      for (const job of [...busy.values(), ...queue.splice(0)]) job.reject(error);
      busy.clear();
    });
    return worker;
  };
  const workers = Array.from({ length: size }, start);
  idle.push(...workers);
  const pump = () => {
    while (idle.length > 0 && queue.length > 0) {
      const worker = idle.shift()!;
      const job = queue.shift()!;
      busy.set(worker, job);
      worker.postMessage(job.range);
    }
  };
  return {
    concurrency: size,
    run: (range) =>
      new Promise<ChunkResult>((resolve, reject) => {
        if (failure) return reject(failure);
        queue.push({ range, resolve, reject });
        pump();
      }),
    close: async () => {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
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
