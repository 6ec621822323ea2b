import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { SqlDb, SqlRunner, TransactionOptions } from './sql-db';

/**
 * SqlDb on one better-sqlite3 connection. The driver is synchronous, so an async
 * transaction would let other callers' statements slip into it between awaits: every
 * operation therefore takes a lock, and a transaction holds it until it ends.
 */
export class SqliteDb implements SqlDb {
  readonly dialect = 'sqlite' as const;
  readonly raw: Database.Database;
  private lock: Promise<unknown> = Promise.resolve();
  private readonly statements = new Map<string, Database.Statement>();

  constructor(filename: string) {
    if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
    this.raw = new Database(filename);
    this.raw.pragma('journal_mode = WAL');
    this.raw.pragma('synchronous = FULL');
    this.raw.pragma('busy_timeout = 10000');
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

  private readonly runner: SqlRunner = {
    dialect: 'sqlite',
    query: async <T>(sql: string, params: readonly unknown[] = []) => {
      const statement = this.statement(sql);
      return (statement.reader ? statement.all(...params) : (statement.run(...params), [])) as T[];
    },
    execute: async (sql: string, params: readonly unknown[] = []) => this.statement(sql).run(...params).changes,
  };

  private locked<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(work, work);
    this.lock = run.catch(() => undefined);
    return run;
  }

  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.locked(() => this.runner.query<T>(sql, params));
  }

  execute(sql: string, params?: readonly unknown[]): Promise<number> {
    return this.locked(() => this.runner.execute(sql, params));
  }

  exec(script: string): Promise<void> {
    return this.locked(async () => void this.raw.exec(script));
  }

  transaction<T>(work: (tx: SqlRunner) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.locked(async () => {
      // NORMAL in WAL mode: the commit skips its fsync, checkpoints still sync (no corruption);
      // the next FULL commit syncs the WAL, these frames included.
      const previous = options.durable === false ? (this.raw.pragma('synchronous', { simple: true }) as number) : 0;
      const relaxed = previous > 1; // FULL or EXTRA on this connection
      if (relaxed) this.raw.pragma('synchronous = NORMAL');
      try {
        this.raw.exec('BEGIN IMMEDIATE');
        try {
          const result = await work(this.runner);
          this.raw.exec('COMMIT');
          return result;
        } catch (error) {
          if (this.raw.inTransaction) this.raw.exec('ROLLBACK');
          throw error;
        }
      } finally {
        if (relaxed) this.raw.pragma(`synchronous = ${previous}`);
      }
    });
  }

  async close(): Promise<void> {
    await this.lock;
    if (this.raw.open) this.raw.close();
  }
}
