import { Worker } from 'node:worker_threads';
import { GET_CHECKPOINT_SQL, SET_CHECKPOINT_SQL } from './checkpoints';

/** One member's share of a batch: where its checkpoint must be, and the statements that write its rows. */
export interface MemberWrite {
  readonly name: string;
  readonly generation: number;
  readonly checkpoint: string;
  /** The checkpoint the rows were computed from (compare-and-set). */
  readonly expected: number;
  readonly statements: readonly (readonly [sql: string, params: readonly unknown[]])[];
}

/** Per member: written, superseded (its generation is no longer the one to build), or the checkpoint another writer left. */
export type WriteOutcome = 'written' | 'superseded' | number;

/** A table dropped, or left partly emptied because the writer was closed meanwhile. */
export type DropOutcome = 'dropped' | 'interrupted';

/** The nice value of the writer thread, where the system lets a thread have its own (Linux). */
export const BACKGROUND_NICE = 19;

// Plain JavaScript, so the worker runs the same from dist/ and under Jest (no TypeScript loader in a worker).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
// Background work: on Linux this thread gives way to the request thread when the CPU is short
// (a thread's nice value is its own; /proc/thread-self names it). Elsewhere it runs as is.
// nice null: a writer that runs at the process's own priority (a CLI rebuild: no request to give way to).
try {
  if (workerData.nice !== null) {
    const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
    require('node:os').setPriority(tid, workerData.nice);
  }
} catch {}
const Database = require(workerData.driver);
const db = new Database(workerData.filename);
db.pragma('busy_timeout = 10000');
db.pragma('synchronous = NORMAL');
const statements = new Map();
const prepare = (sql) => {
  let statement = statements.get(sql);
  if (!statement) {
    if (statements.size > 500) statements.clear();
    statements.set(sql, (statement = db.prepare(sql)));
  }
  return statement;
};
const { getCheckpoint, setCheckpoint } = workerData.sql;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let dropping = false;
let closing = false;
const close = () => {
  db.close();
  parentPort.close();
};
// Runs the slice statement until it deletes nothing, one transaction each with a pause between
// (other writers take the lock meanwhile), then the drop. A close asked for meanwhile stops it
// after the slice under way: the table is left for the next try.
const drop = async ({ sliceSql, dropSql, pauseMs }) => {
  if (sliceSql !== undefined) {
    const next = db.prepare(sliceSql);
    while (!closing && next.run().changes > 0) await sleep(pauseMs);
  }
  if (closing) return 'interrupted';
  db.exec(dropSql);
  return 'dropped';
};
parentPort.on('message', (request) => {
  if (request.close) {
    closing = true;
    if (!dropping) close();
    return;
  }
  if (request.drop) {
    dropping = true;
    drop(request.drop).then(
      (outcome) => parentPort.postMessage({ id: request.id, outcome }),
      (error) => parentPort.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
    ).finally(() => {
      dropping = false;
      if (closing) close();
    });
    return;
  }
  try {
    const outcomes = [];
    db.exec('BEGIN IMMEDIATE');
    try {
      const registry = new Map(
        prepare('SELECT name, generation, building_generation FROM projection_registry').all().map((r) => [r.name, r]),
      );
      for (const member of request.members) {
        const entry = registry.get(member.name);
        if (!entry || (entry.building_generation !== member.generation && entry.generation !== member.generation)) {
          outcomes.push('superseded');
          continue;
        }
        const stored = prepare(getCheckpoint).get(member.checkpoint);
        const at = stored ? Number(stored.position) : 0;
        if (at !== member.expected) {
          outcomes.push(at);
          continue;
        }
        for (const [sql, params] of member.statements) prepare(sql).run(params);
        prepare(setCheckpoint).run(member.checkpoint, request.last, request.at);
        outcomes.push('written');
      }
      db.exec('COMMIT');
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
    parentPort.postMessage({ id: request.id, outcomes });
  } catch (error) {
    parentPort.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) });
  }
});
`;

/**
 * Writes a build's batches on a thread of its own, with its own connection to the SQLite
 * file, so the main thread reads and applies the next batch meanwhile (decision 0007). Each
 * batch is one transaction with the checks `GenerationGroup` makes on its own connection:
 * the registry (is the generation still the one to build?) and each checkpoint
 * (compare-and-set). Commits are relaxed (`synchronous = NORMAL`), as the build's are.
 */
export class SqliteBuildWriter {
  private readonly worker: Worker;
  /** Replies awaited, by request id: a batch's outcomes, or a drop's. */
  private readonly pending = new Map<number, { resolve: (reply: unknown) => void; reject: (e: Error) => void }>();
  private next = 0;
  private failed: Error | undefined;
  private readonly exited: Promise<void>;

  /** `background` false: the thread keeps the process's priority instead of BACKGROUND_NICE. */
  constructor(filename: string, options: { background?: boolean } = {}) {
    this.worker = new Worker(WORKER, {
      eval: true,
      workerData: {
        filename,
        driver: require.resolve('better-sqlite3'),
        nice: options.background === false ? null : BACKGROUND_NICE,
        // The checkpoint statements of Checkpoints itself, so the two writers cannot drift apart.
        sql: { getCheckpoint: GET_CHECKPOINT_SQL, setCheckpoint: SET_CHECKPOINT_SQL },
      },
    });
    const fail = (error: Error) => {
      this.failed ??= error;
      for (const { reject } of this.pending.values()) reject(error);
      this.pending.clear();
    };
    this.worker.on(
      'message',
      (reply: { id: number; outcomes?: WriteOutcome[]; outcome?: DropOutcome; error?: string }) => {
        const waiter = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        if (reply.error !== undefined) waiter?.reject(new Error(reply.error));
        else waiter?.resolve(reply.outcomes ?? reply.outcome!);
      },
    );
    this.worker.on('error', fail);
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', () => {
        fail(new Error('The build writer exited'));
        resolve();
      }),
    );
  }

  /** The thread is gone (it failed to start or crashed): no write will succeed. */
  get broken(): boolean {
    return this.failed !== undefined;
  }

  /** Writes one batch in one transaction: resolves with an outcome per member, in order. */
  write(members: readonly MemberWrite[], last: number): Promise<WriteOutcome[]> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: (reply) => resolve(reply as WriteOutcome[]), reject });
      this.worker.postMessage({ id, members, last, at: new Date().toISOString() });
    });
  }

  /**
   * Runs `sliceSql` (a DELETE of a few rows) until it deletes nothing, each run its own
   * transaction with `pauseMs` between, then `dropSql`: the rows of a swapped-out generation
   * go without the main thread waiting on a single statement. Resolves 'interrupted' when
   * `close` is called meanwhile (the table is left, partly emptied).
   */
  drop(sliceSql: string | undefined, dropSql: string, pauseMs: number): Promise<DropOutcome> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: (reply) => resolve(reply as DropOutcome), reject });
      this.worker.postMessage({ id, drop: { sliceSql, dropSql, pauseMs } });
    });
  }

  /** Closes the connection and ends the thread, after the slice under way of a drop; call when no write is in flight. */
  async close(): Promise<void> {
    if (!this.failed) this.worker.postMessage({ close: true });
    await this.exited;
  }
}
