/**
 * A worker thread of verifyBundle: verifies the blocks of event lines it is sent, chunk by
 * chunk (bundle-chunk.ts). Not exported by the library: it runs on load.
 */
import { parentPort } from 'node:worker_threads';
import { verifyBundleChunk } from './bundle-chunk';
import type { BundleBlock } from './bundle-read';

const port = parentPort!;
port.on('message', (block: BundleBlock) => {
  try {
    const outcomes = block.chunks.map((chunk) => verifyBundleChunk({ ...chunk, bytes: block.bytes }));
    port.postMessage({ outcomes });
  } catch (error) {
    port.postMessage({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
