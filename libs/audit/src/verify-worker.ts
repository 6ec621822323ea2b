/**
 * A worker thread of verifyLogInWorkers: verifies the chunks it is sent against its own
 * connection to the store. Not exported by the library: it runs on load.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { EventStore } from '@accord/event-store';
import { openEventStore } from '@accord/store-factory';
import { verifyChunk, type ChunkRange } from './verify-chunk';
import type { StreamTail } from './verify-log';

const port = parentPort!;
const opened: Promise<EventStore> = openEventStore((workerData as { storeUrl: string }).storeUrl);
// A store that cannot be opened fails the chunk that needs it, with the reason.
opened.catch(() => undefined);

port.on('message', ({ range, tails }: { range: ChunkRange; tails?: ReadonlyMap<string, StreamTail> }) => {
  opened
    .then((store) => verifyChunk(store, range, undefined, tails))
    .then(
      (result) =>
        port.postMessage({ result }, [
          result.positions.buffer as ArrayBuffer,
          result.revisions.buffer as ArrayBuffer,
          result.streamOf.buffer as ArrayBuffer,
        ]),
      (error: unknown) => port.postMessage({ error: error instanceof Error ? error.message : String(error) }),
    );
});
