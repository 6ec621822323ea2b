import { Worker } from 'node:worker_threads';

/** The WAL size past which the thread starts the WAL over once readers allow (decision 0037). */
export const DEFAULT_WAL_LIMIT_BYTES = 16 * 1024 * 1024;

/**
 * How long a RESTART checkpoint waits for the write lock and then for readers before it
 * gives up. Waiting for the lock holds nobody up; waiting for readers holds off the other
 * connections' commits (they retry on timers), which is why it is tried only once the copy
 * has caught up (no reader is left on an old snapshot).
 */
export const RESTART_WAIT_MS = 50;

/**
 * WAL frames still to copy after the PASSIVE checkpoint below which the RESTART is tried: more
 * means a reader holds an old snapshot, which the RESTART would wait for, holding writers off.
 */
export const RESTART_MAX_BACKLOG_FRAMES = 1000;

// Plain JavaScript run with `eval`, so that it runs the same from dist/ and from the
// TypeScript sources under Jest (a worker has no TypeScript loader).
const WORKER = `
const { statSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.filename);
const BUSY_MS = 1000;
db.pragma('busy_timeout = ' + BUSY_MS);
const wal = workerData.filename + '-wal';
const walBytes = () => {
  try {
    return statSync(wal).size;
  } catch {
    return 0; // no WAL (yet, or any more)
  }
};
let checkpoints = 0;
let restarts = 0;
let refusals = 0;
const checkpoint = () => {
  try {
    // PASSIVE: copies what it can without waiting for readers or writers.
    let [result] = db.pragma('wal_checkpoint(PASSIVE)');
    checkpoints++;
    const { log: walFrames, checkpointed: copied } = result;
    // A PASSIVE checkpoint never shrinks the file, and under a steady load the WAL rarely
    // starts over (a commit lands during every checkpoint, or a reader still uses the WAL).
    // Past the limit, once the copy has caught up (no reader holds an old snapshot): copy the
    // frames written meanwhile, then RESTART, which waits at most RESTART_WAIT_MS for the
    // write lock and the readers, and otherwise leaves the WAL as it is for the next turn.
    // The next commit then writes from the start of the file, and the store's commit cuts the
    // file back to the limit (journal_size_limit on its connection).
    if (
      workerData.limitBytes > 0 &&
      result.busy === 0 &&
      result.log - result.checkpointed <= workerData.maxBacklogFrames &&
      walBytes() > workerData.limitBytes
    ) {
      [result] = db.pragma('wal_checkpoint(PASSIVE)');
      db.pragma('busy_timeout = ' + workerData.restartWaitMs);
      // The store of this process holds its commits meanwhile (see restarting), or its group
      // commit, back to back under load, would rarely leave the write lock free.
      Atomics.store(workerData.gate, 0, 1);
      try {
        [result] = db.pragma('wal_checkpoint(RESTART)');
      } finally {
        Atomics.store(workerData.gate, 0, 0);
        db.pragma('busy_timeout = ' + BUSY_MS);
      }
      if (result.busy === 0) restarts++;
      else refusals++;
    }
    parentPort.postMessage({ checkpoints, walFrames, copied, restarts, refusals, walBytes: walBytes() });
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
  /** Times the thread started the WAL over because the file had grown past the limit. */
  readonly restarts: number;
  /** Restarts given up because the write lock or a reader did not come free in time (tried again later). */
  readonly refusals: number;
  /** The size of the `-wal` file after the last checkpoint. */
  readonly walBytes: number;
}

export interface WalCheckpointerOptions {
  /**
   * Past this size (bytes) the thread starts the WAL over when readers allow (decision 0037);
   * 0 never does. Default 16 MiB.
   */
  readonly limitBytes?: number;
}

/**
 * Runs SQLite's WAL checkpoints on a thread of its own (decision 0011). A checkpoint copies
 * the WAL's pages back into the database file and fsyncs it; SQLite's automatic
 * checkpoint does that inside whichever commit crosses 1,000 pages, on the thread that
 * commits, where it stalls every request in flight. The connections of the process turn
 * the automatic checkpoint off (`wal_autocheckpoint = 0`) and this thread checkpoints every
 * `intervalMs` instead. If the thread fails, `onFailure` is told (the store then turns the
 * automatic checkpoint back on), so the WAL never grows without bound.
 *
 * A PASSIVE checkpoint never makes the `-wal` file smaller. Once the file is past
 * `limitBytes` and the copy has caught up, the thread starts it over (decision 0037): a
 * RESTART checkpoint that waits at most RESTART_WAIT_MS for the write lock and for readers,
 * on this thread; the other connections' commits meanwhile wait on their own timers.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  /** 1 while the thread runs a RESTART checkpoint. */
  private readonly gate = new Int32Array(new SharedArrayBuffer(4));
  private last: WalCheckpointerStats = {
    checkpoints: 0,
    walFrames: 0,
    copied: 0,
    restarts: 0,
    refusals: 0,
    walBytes: 0,
  };
  private readonly exited: Promise<void>;
  private stopping = false;
  private waiting: (() => void)[] = [];

  constructor(
    filename: string,
    intervalMs: number,
    onFailure: (error: Error) => void,
    options: WalCheckpointerOptions = {},
  ) {
    this.worker = new Worker(WORKER, {
      eval: true,
      workerData: {
        filename,
        intervalMs,
        driver: require.resolve('better-sqlite3'),
        limitBytes: Math.max(0, Math.floor(options.limitBytes ?? DEFAULT_WAL_LIMIT_BYTES)),
        restartWaitMs: RESTART_WAIT_MS,
        maxBacklogFrames: RESTART_MAX_BACKLOG_FRAMES,
        gate: this.gate,
      },
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

  /**
   * True while the thread runs a RESTART checkpoint (a few milliseconds, once the WAL has
   * passed the limit): the store puts its commits off meanwhile, on a timer, so that the
   * checkpoint gets the write lock.
   */
  get restarting(): boolean {
    return Atomics.load(this.gate, 0) === 1;
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
