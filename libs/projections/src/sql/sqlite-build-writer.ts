import { Worker } from 'node:worker_threads';
import { GET_CHECKPOINT_SQL, SET_CHECKPOINT_SQL } from '../checkpoints';

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

// Plain JavaScript, so the worker runs the same from dist/ and under Jest (no TypeScript loader in a worker).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
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
parentPort.on('message', (request) => {
  if (request.close) {
    db.close();
    parentPort.close();
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
  private readonly pending = new Map<number, { resolve: (o: WriteOutcome[]) => void; reject: (e: Error) => void }>();
  private next = 0;
  private failed: Error | undefined;
  private readonly exited: Promise<void>;

  constructor(filename: string) {
    this.worker = new Worker(WORKER, {
      eval: true,
      workerData: {
        filename,
        driver: require.resolve('better-sqlite3'),
        // The checkpoint statements of Checkpoints itself, so the two writers cannot drift apart.
        sql: { getCheckpoint: GET_CHECKPOINT_SQL, setCheckpoint: SET_CHECKPOINT_SQL },
      },
    });
    const fail = (error: Error) => {
      this.failed ??= error;
      for (const { reject } of this.pending.values()) reject(error);
      this.pending.clear();
    };
    this.worker.on('message', (reply: { id: number; outcomes?: WriteOutcome[]; error?: string }) => {
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.error !== undefined) waiter?.reject(new Error(reply.error));
      else waiter?.resolve(reply.outcomes!);
    });
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
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, members, last, at: new Date().toISOString() });
    });
  }

  /** Closes the connection and ends the thread; call when no write is in flight. */
  async close(): Promise<void> {
    if (!this.failed) this.worker.postMessage({ close: true });
    await this.exited;
  }
}
