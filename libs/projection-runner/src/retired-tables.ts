import type { ProjectionRegistry } from './projection-registry';
import { quote, type SqlDb } from '@accord/sql';
import type { SqliteBuildWriter } from './sqlite-build-writer';

export interface RetiredTablesOptions {
  /**
   * Rows deleted per transaction before a table is dropped, so that no single statement holds
   * the database (or, on SQLite, the thread) for long. Unset or 0: one DROP TABLE each.
   */
  readonly slice?: number;
  /** A pause between slices, in which other writers take the lock (default 10 ms). */
  readonly pauseMs?: number;
  /** Drops on a thread of its own (SQLite files): the main thread never runs a slice. */
  readonly offThread?: () => SqliteBuildWriter;
  readonly onError?: (projection: string, error: unknown) => void;
}

/**
 * Drops the tables of swapped-out generations. The swap records them (projection_retired) in
 * its own transaction, so a drop cut short by a stop or a crash is taken up again at the next
 * start; two processes dropping the same table is harmless.
 *
 * A table of a million rows is not dropped in one statement where requests share the
 * thread: on a SQLite file it is emptied in slices on a thread of its own, elsewhere in
 * slices with a pause between them (decision 0016).
 */
export class RetiredTables {
  private draining: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private writer: SqliteBuildWriter | undefined;

  constructor(
    private readonly db: SqlDb,
    private readonly registry: ProjectionRegistry,
    private readonly options: RetiredTablesOptions = {},
  ) {}

  /**
   * Drops every retired table on record, one after the other; resolves when none is left
   * (or `stop` was called). A call while a drain runs makes it look again once done.
   */
  drain(): Promise<void> {
    this.again = true;
    this.draining ??= this.run().finally(() => (this.draining = undefined));
    return this.draining;
  }

  /** Drops what is on record, in the background again after a `stop`. */
  start(): Promise<void> {
    this.stopped = false;
    return this.drain();
  }

  /** Stops a drain after the slice under way; what is left is dropped after the next `start`. */
  async stop(): Promise<void> {
    this.stopped = true;
    const writer = this.writer;
    if (writer) await writer.close();
    await this.draining?.catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (this.again && !this.stopped) {
      this.again = false;
      for (const { table, projection } of await this.registry.retired()) {
        if (this.stopped) return;
        try {
          if (!(await this.dropOne(table))) return;
          await this.registry.forget(table);
        } catch (error) {
          this.options.onError?.(projection, error);
        }
      }
    }
  }

  /** True when the table is gone; false when interrupted. */
  private async dropOne(table: string): Promise<boolean> {
    const slice = Math.floor(this.options.slice ?? 0);
    const pauseMs = this.options.pauseMs ?? 10;
    const dropSql = `DROP TABLE IF EXISTS ${quote(table)}`;
    try {
      // PostgreSQL drops a table at once, without touching its rows, and off this thread.
      const sliceSql = slice > 0 && this.db.dialect === 'sqlite' ? await this.sliceSql(table, slice) : undefined;
      if (this.options.offThread) {
        const writer = (this.writer = this.options.offThread());
        try {
          return (await writer.drop(sliceSql, dropSql, pauseMs)) === 'dropped';
        } finally {
          this.writer = undefined;
          await writer.close();
        }
      }
      if (sliceSql !== undefined) {
        while (!this.stopped && (await this.db.execute(sliceSql)) > 0) {
          await new Promise((resolve) => setTimeout(resolve, pauseMs));
        }
        if (this.stopped) return false;
      }
    } catch (error) {
      // Dropped meanwhile (another process got there first): nothing left to empty.
      if (!/no such table|does not exist/i.test(String((error as Error).message))) throw error;
    }
    await this.db.exec(dropSql);
    return true;
  }

  /**
   * A DELETE of `slice` rows in primary-key order (projection tables are WITHOUT ROWID: a
   * range the key answers, where `IN (SELECT … LIMIT)` scans the table), the key read from the
   * table; undefined for a table that is not there.
   */
  private async sliceSql(table: string, slice: number): Promise<string | undefined> {
    const key = (
      await this.db.query<{ name: string }>('SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk', [table])
    ).map((column) => quote(column.name));
    if (key.length === 0) return undefined;
    const columns = key.join(', ');
    return (
      `DELETE FROM ${quote(table)} WHERE (${columns}) <= ` +
      `(SELECT ${columns} FROM ${quote(table)} ORDER BY ${columns} LIMIT 1 OFFSET ${slice - 1})`
    );
  }
}
