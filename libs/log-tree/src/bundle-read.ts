import { existsSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultWorkers, threadPool } from '@accord/audit';
import { verifyBundleChunk, type ChunkOutcome } from './bundle-chunk';

/** One chunk of a block: `chunkLines` lines (fewer for the last), bounds relative to the block. */
export interface BlockChunk {
  readonly index: number;
  readonly firstLeaf: number;
  readonly bounds: Uint32Array;
}

/** What a worker is sent: a block of the file, cut into whole chunks. */
export interface BundleBlock {
  readonly bytes: Uint8Array;
  readonly chunks: BlockChunk[];
}

const BLOCK_BYTES = 16 << 20;

/**
 * Reads a bundle in blocks of about 16 MiB, each its own ArrayBuffer (it moves to a worker
 * without a copy), holding whole chunks of lines; the lines that do not fill a chunk are carried
 * to the next block. Memory holds the blocks in flight, never the file.
 */
export class BundleBlocks {
  private carry: Buffer = Buffer.alloc(0);
  private eof = false;
  private leaves = 0;
  private chunks = 0;
  private headerLine: string | undefined;

  constructor(
    private readonly file: FileHandle,
    private readonly chunkLines: number,
  ) {}

  /** Line 1, without its newline (read before any block). */
  async header(): Promise<string> {
    for (;;) {
      const newline = this.carry.indexOf(10);
      if (newline !== -1) {
        this.headerLine = this.carry.toString('utf8', 0, newline);
        this.carry = this.carry.subarray(newline + 1);
        return this.headerLine;
      }
      if (!(await this.read())) {
        this.headerLine = this.carry.toString('utf8');
        this.carry = Buffer.alloc(0);
        return this.headerLine;
      }
    }
  }

  /** The next block of whole chunks, or undefined at the end of the file. */
  async next(): Promise<BundleBlock | undefined> {
    for (;;) {
      const more = await this.read();
      if (!more && this.carry.length === 0) return undefined;
      const bytes = this.carry;
      const bounds: number[] = [];
      let from = 0;
      for (;;) {
        const newline = bytes.indexOf(10, from);
        if (newline === -1) break;
        bounds.push(from, newline);
        from = newline + 1;
      }
      if (!more && from < bytes.length) {
        // The last line without its newline still counts.
        bounds.push(from, bytes.length);
        from = bytes.length;
      }
      const lines = bounds.length / 2;
      const whole = more ? Math.floor(lines / this.chunkLines) * this.chunkLines : lines;
      // Not one whole chunk yet (very long lines): read on.
      if (whole === 0 && more) continue;
      const cut = whole === lines ? from : bounds[2 * whole];
      const chunks: BlockChunk[] = [];
      for (let first = 0; first < whole; first += this.chunkLines) {
        const count = Math.min(this.chunkLines, whole - first);
        chunks.push({
          index: this.chunks++,
          firstLeaf: this.leaves,
          bounds: Uint32Array.from(bounds.slice(2 * first, 2 * (first + count))),
        });
        this.leaves += count;
      }
      // The block keeps the buffer it was read into (it moves to a worker whole); the rest is copied out.
      this.carry = Buffer.from(bytes.subarray(cut));
      return { bytes: bytes.subarray(0, cut), chunks };
    }
  }

  /** Appends up to a block's bytes to the carry; false at the end of the file. */
  private async read(): Promise<boolean> {
    if (this.eof) return false;
    const buffer = Buffer.allocUnsafeSlow(this.carry.length + BLOCK_BYTES);
    this.carry.copy(buffer, 0);
    const { bytesRead } = await this.file.read(buffer, this.carry.length, BLOCK_BYTES, null);
    if (bytesRead === 0) this.eof = true;
    this.carry = buffer.subarray(0, this.carry.length + bytesRead);
    return bytesRead > 0;
  }
}

/** Verifies blocks somewhere: in worker threads, or in this one. */
export interface BlockRunner {
  readonly concurrency: number;
  run(block: BundleBlock): Promise<ChunkOutcome[]>;
  close(): Promise<void>;
}

export function inThisThread(): BlockRunner {
  return {
    concurrency: 1,
    run: async (block) => block.chunks.map((chunk) => verifyBundleChunk({ ...chunk, bytes: block.bytes })),
    close: async () => undefined,
  };
}

/** The compiled worker beside this file: absent when running from the TypeScript sources (tests). */
export const BUNDLE_WORKER = join(__dirname, 'bundle-worker.js');

/**
 * Worker threads by default for a bundle of `events` events (its header's tree size): where the
 * compiled worker is (the CLI), the one default of `accord audit verify` (defaultWorkers,
 * decision 0036); in this thread otherwise.
 */
export function defaultBundleWorkers(events: number, script = BUNDLE_WORKER): number {
  return existsSync(script) ? defaultWorkers(events) : 0;
}

export function workerThreads(count: number, script = BUNDLE_WORKER): BlockRunner {
  const pool = threadPool<{ outcomes?: ChunkOutcome[]; error?: string }>(script, count);
  return {
    concurrency: pool.size,
    // The block's bytes move to the worker, not copied.
    run: async (block) => (await pool.run(block, [block.bytes.buffer as ArrayBuffer])).outcomes!,
    close: () => pool.close(),
  };
}
