import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { SqlDb, SqlRunner, TransactionOptions } from './sql-db';

export interface SqliteDbOptions {
  /** How long a statement or transaction waits for another connection's write lock before failing (default 10 s). */
  readonly busyTimeoutMs?: number;
}

/** A transaction's statements as its work ran them: reads with what they read, writes to apply at commit. */
type Step =
  | { readonly read: true; readonly sql: string; readonly params: readonly unknown[]; readonly rows: unknown[] }
  | { readonly read: false; readonly sql: string; readonly params: readonly unknown[] };

/** Runs of a transaction's work before giving up because what it read kept changing under it. */
const MAX_RUNS = 20;

/**
 * SqlDb on one better-sqlite3 connection, on a thread that serves everything else too
 * (decision 0013): no write transaction spans an await, and no wait for a lock blocks the
 * event loop.
 *
 * - `transaction` runs its work with no lock held: reads run at once, writes are kept. It
 *   then commits in one synchronous BEGIN IMMEDIATE … COMMIT that reads again what the work
 *   read (unless nothing was committed since) and applies the writes if every read still
 *   gives the same rows; otherwise it runs the work again on what is there now. So the work
 *   must read before it writes, may run more than once, and its `execute` resolves with NaN
 *   (the rows a write changes are known only at commit, where its errors surface too).
 * - `busy_timeout` is 0, because SQLite's own wait sleeps on the thread. A statement, script
 *   or commit that finds the file locked by another connection is tried again after a timer.
 *
 * Operations on this connection still take turns, so a transaction's work sees no other
 * caller's statements on it.
 */
export class SqliteDb implements SqlDb {
  readonly dialect = 'sqlite' as const;
  readonly raw: Database.Database;
  private lock: Promise<unknown> = Promise.resolve();
  private readonly statements = new Map<string, Database.Statement>();
  private readonly busyTimeoutMs: number;

  constructor(filename: string, options: SqliteDbOptions = {}) {
    if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
    this.busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
    this.raw = new Database(filename);
    // Opening may wait (it runs once, before anything is served); nothing after it does.
    this.raw.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    this.raw.pragma('journal_mode = WAL');
    this.raw.pragma('synchronous = FULL');
    this.raw.pragma('busy_timeout = 0');
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.raw.prepare(sql);
      if (this.statements.size > 500) this.statements.clear();
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private locked<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(work, work);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** Runs `attempt` (synchronous) now, and again after a timer while another connection holds the lock it needs. */
  private async unlocked<T>(attempt: () => T): Promise<T> {
    const deadline = Date.now() + this.busyTimeoutMs;
    for (let tries = 0; ; tries++) {
      try {
        return attempt();
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, backOff(tries)));
    }
  }

  query<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.locked(() =>
      this.unlocked(() => {
        const statement = this.statement(sql);
        return (statement.reader ? statement.all(...params) : (statement.run(...params), [])) as T[];
      }),
    );
  }

  execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.locked(() => this.unlocked(() => this.statement(sql).run(...params).changes));
  }

  /** Runs the script in one write transaction (so no VACUUM or journal_mode in it). */
  exec(script: string): Promise<void> {
    return this.locked(() => this.unlocked(() => this.raw.transaction(() => void this.raw.exec(script)).immediate()));
  }

  transaction<T>(work: (tx: SqlRunner) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.locked(async () => {
      for (let run = 1; ; run++) {
        const version = await this.unlocked(() => this.dataVersion());
        const steps: Step[] = [];
        const recorder = this.recorder(steps);
        let result: T;
        try {
          result = await work(recorder.runner);
        } finally {
          recorder.end();
        }
        if (await this.unlocked(() => this.commit(steps, version, options))) return result;
        if (run >= MAX_RUNS) {
          throw new Error(`SqliteDb.transaction: what the work read kept changing; gave up after ${run} runs`);
        }
      }
    });
  }

  /** A runner that reads at once and keeps the writes for `commit`. */
  private recorder(steps: Step[]): { runner: SqlRunner; end(): void } {
    let ended = false;
    const read = async (sql: string, params: readonly unknown[]): Promise<unknown[]> => {
      if (ended) throw new Error('SqliteDb.transaction: a statement after the work ended');
      if (steps.some((step) => !step.read)) {
        throw new Error('SqliteDb.transaction: a read after a write (writes are applied at commit): read first');
      }
      const kept = [...params];
      const statement = this.statement(sql);
      const rows = await this.unlocked(() =>
        statement.reader ? statement.all(...kept) : (statement.run(...kept), []),
      );
      steps.push({ read: true, sql, params: kept, rows });
      return rows;
    };
    const write = (sql: string, params: readonly unknown[]): void => {
      if (ended) throw new Error('SqliteDb.transaction: a statement after the work ended');
      steps.push({ read: false, sql, params: [...params] });
    };
    const runner: SqlRunner = {
      dialect: 'sqlite',
      query: async <T>(sql: string, params: readonly unknown[] = []) => {
        const statement = this.statement(sql);
        if (statement.readonly) return (await read(sql, params)) as T[];
        if (statement.reader) throw new Error('SqliteDb.transaction: a write that returns rows (RETURNING)');
        write(sql, params);
        return [];
      },
      execute: async (sql: string, params: readonly unknown[] = []) => {
        if (this.statement(sql).readonly) return (await read(sql, params), 0);
        write(sql, params);
        return Number.NaN;
      },
    };
    return { runner, end: () => void (ended = true) };
  }

  /**
   * BEGIN … COMMIT, synchronously: false (nothing written) when a read no longer gives what
   * the work saw. Throws SQLITE_BUSY, untouched, when another connection holds the lock.
   */
  private commit(steps: readonly Step[], version: number, options: TransactionOptions): boolean {
    const writes = steps.some((step) => !step.read);
    // NORMAL in WAL mode: the commit skips its fsync, checkpoints still sync (no corruption);
    // the next FULL commit syncs the WAL, these frames included.
    const previous =
      writes && options.durable === false ? (this.raw.pragma('synchronous', { simple: true }) as number) : 0;
    const relaxed = previous > 1; // FULL or EXTRA on this connection
    if (relaxed) this.raw.pragma('synchronous = NORMAL');
    try {
      this.raw.exec(writes ? 'BEGIN IMMEDIATE' : 'BEGIN');
      try {
        // data_version moves when another connection commits: unmoved, every read still holds.
        const unchanged = this.dataVersion() === version;
        for (const step of steps) {
          const statement = this.statement(step.sql);
          if (!step.read) statement.run(...step.params);
          else if (!unchanged && !sameRows(statement.reader ? statement.all(...step.params) : [], step.rows)) {
            this.raw.exec('ROLLBACK');
            return false;
          }
        }
        this.raw.exec('COMMIT');
        return true;
      } catch (error) {
        if (this.raw.inTransaction) this.raw.exec('ROLLBACK');
        throw error;
      }
    } finally {
      if (relaxed) this.raw.pragma(`synchronous = ${previous}`);
    }
  }

  private dataVersion(): number {
    return this.raw.pragma('data_version', { simple: true }) as number;
  }

  async close(): Promise<void> {
    await this.lock;
    if (this.raw.open) this.raw.close();
  }
}

/** SQLITE_BUSY and its extended codes: another connection holds a lock this one needs. Told by code (see isDuplicateId in the store). */
function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'));
}

/** About 1, 2, 4 … up to 20 ms, jittered so that waiting connections do not retry in step. */
function backOff(tries: number): number {
  return Math.min(20, 2 ** tries) * (0.5 + Math.random());
}

function sameRows(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as Record<string, unknown>;
    const y = b[i] as Record<string, unknown>;
    const keys = Object.keys(x);
    if (keys.length !== Object.keys(y).length) return false;
    for (const key of keys) {
      const [u, v] = [x[key], y[key]];
      if (u !== v && !(u instanceof Uint8Array && v instanceof Uint8Array && Buffer.compare(u, v) === 0)) return false;
    }
  }
  return true;
}
