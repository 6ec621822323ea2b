import { Worker } from 'node:worker_threads';

// Plain JavaScript run with `eval`, so that it runs the same from dist/ and from the
// TypeScript sources under Jest (a worker has no TypeScript loader).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.filename);
db.pragma('busy_timeout = 1000');
let checkpoints = 0;
const checkpoint = () => {
  try {
    // PASSIVE: copies what it can without waiting for readers or writers.
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    checkpoints++;
    parentPort.postMessage({ checkpoints, walFrames: result.log, copied: result.checkpointed });
  } catch (error) {
    parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message === 'now') return checkpoint();
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface WalCheckpointerStats {
  /** Checkpoints run by the thread. */
  readonly checkpoints: number;
  /** Frames in the WAL at the last one, and how many of them it had copied into the database. */
  readonly walFrames: number;
  readonly copied: number;
}

/**
 * Runs SQLite's WAL checkpoints on a thread of its own (decision 0011). A checkpoint copies
 * the WAL's pages back into the database file and fsyncs it; SQLite's automatic
 * checkpoint does that inside whichever commit crosses 1,000 pages, on the thread that
 * commits, where it stalls every request in flight. The connections of the process turn
 * the automatic checkpoint off (`wal_autocheckpoint = 0`) and this thread checkpoints every
 * `intervalMs` instead. If the thread fails, `onFailure` is told (the store then turns the
 * automatic checkpoint back on), so the WAL never grows without bound.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private last: WalCheckpointerStats = { checkpoints: 0, walFrames: 0, copied: 0 };
  private readonly exited: Promise<void>;
  private stopping = false;
  private waiting: (() => void)[] = [];

  constructor(filename: string, intervalMs: number, onFailure: (error: Error) => void) {
    this.worker = new Worker(WORKER, {
      eval: true,
      workerData: { filename, intervalMs, driver: require.resolve('better-sqlite3') },
    });
    this.worker.unref();
    let failed = false;
    const fail = (error: Error) => {
      if (failed || this.stopping) return;
      failed = true;
      onFailure(error);
    };
    this.worker.on('message', (message: Partial<WalCheckpointerStats> & { error?: string }) => {
      if (message.error !== undefined) return fail(new Error(`WAL checkpoint failed: ${message.error}`));
      this.last = message as WalCheckpointerStats;
      for (const resolve of this.waiting.splice(0)) resolve();
    });
    this.worker.on('error', fail);
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', () => {
        fail(new Error('The WAL checkpoint thread exited'));
        for (const resolve of this.waiting.splice(0)) resolve();
        resolve();
      }),
    );
  }

  get stats(): WalCheckpointerStats {
    return this.last;
  }

  /** Runs a checkpoint now and resolves once it has reported. */
  checkpointNow(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.worker.postMessage('now');
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    // Unreferenced, the thread would not keep the process alive until it has closed its connection.
    this.worker.ref();
    this.worker.postMessage('stop');
    await this.exited;
  }
}
