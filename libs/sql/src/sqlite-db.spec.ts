import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { SqliteDb } from './sqlite-db';

/** The longest the event loop was held up while `work` ran, in ms. */
async function longestStall(work: () => Promise<unknown>): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  try {
    await work();
  } finally {
    histogram.disable();
  }
  return histogram.max / 1e6;
}

/** Well under SQLite's old busy waits (5 to 10 s), well over what a loaded test machine adds. */
const STALL_MS = 100;

describe('SqliteDb: no write transaction spans an await, no lock is waited for on the event loop', () => {
  let dir: string;
  let file: string;
  let open: SqliteDb[];
  const connect = (options?: ConstructorParameters<typeof SqliteDb>[1]) => {
    const db = new SqliteDb(file, options);
    open.push(db);
    return db;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'accord-sqlite-db-'));
    file = join(dir, 'side.db');
    open = [];
    await connect().exec('CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)');
  });
  afterEach(async () => {
    await Promise.all(open.map((db) => db.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets another connection write while a transaction awaits a timer, without stalling or SQLITE_BUSY', async () => {
    const workers = connect();
    const side = connect();
    let sideDone = 0;
    let transactionDone = 0;
    const stall = await longestStall(async () => {
      let sideWrote!: () => void;
      const sideWritten = new Promise<void>((resolve) => (sideWrote = resolve));
      const transaction = workers.transaction(async (tx) => {
        await tx.query('SELECT value FROM counters WHERE name = ?', ['a']);
        await tx.execute('INSERT INTO counters (name, value) VALUES (?, ?)', ['a', 1]);
        // Held open across real macrotasks until the side connection has written all it had to.
        await sideWritten;
        await tx.execute('UPDATE counters SET value = value + 1 WHERE name = ?', ['a']);
      });
      const writes = (async () => {
        for (let i = 0; i < 20; i++) {
          await side.execute('INSERT INTO counters (name, value) VALUES (?, ?)', [`side-${i}`, i]);
          await new Promise((resolve) => setImmediate(resolve));
        }
        sideDone = performance.now();
        sideWrote();
      })();
      await Promise.all([transaction.then(() => (transactionDone = performance.now())), writes]);
    });
    expect(stall).toBeLessThan(STALL_MS);
    // The side connection did not wait for the transaction to end.
    expect(sideDone).toBeGreaterThan(0);
    expect(await side.query('SELECT value FROM counters WHERE name = ?', ['a'])).toEqual([{ value: 2 }]);
    expect(await side.query("SELECT COUNT(*) AS n FROM counters WHERE name LIKE 'side-%'")).toEqual([{ n: 20 }]);
    expect(transactionDone).toBeGreaterThan(0);
  });

  it('runs the work again when what it read changed before the commit: no update is lost', async () => {
    const a = connect();
    const b = connect();
    await a.execute('INSERT INTO counters (name, value) VALUES (?, ?)', ['n', 0]);
    let runs = 0;
    const increment = (db: SqliteDb, before: () => Promise<unknown>) =>
      db.transaction(async (tx) => {
        runs++;
        const [row] = await tx.query<{ value: number }>('SELECT value FROM counters WHERE name = ?', ['n']);
        await before();
        await tx.execute('UPDATE counters SET value = ? WHERE name = ?', [row.value + 1, 'n']);
        return row.value;
      });
    // a reads, then b reads, writes and commits, and only then does a write what it read.
    let bRead!: () => void;
    const bHasRead = new Promise<void>((resolve) => (bRead = resolve));
    const slow = increment(a, () => bHasRead.then(() => fast));
    const fast = increment(b, async () => bRead());
    const seen = await Promise.all([slow, fast]);
    expect(await a.query('SELECT value FROM counters WHERE name = ?', ['n'])).toEqual([{ value: 2 }]);
    expect(seen.sort()).toEqual([0, 1]);
    expect(runs).toBe(3); // the slow one read 0, saw it become 1 at its commit, and ran again
  });

  it('waits on timers for a lock another thread or process holds, and gives up with SQLITE_BUSY after busyTimeoutMs', async () => {
    const db = connect();
    const impatient = connect({ busyTimeoutMs: 100 });
    const other = new Database(file); // another process's connection, as far as SQLite knows
    other.pragma('busy_timeout = 0');
    try {
      other.exec('BEGIN IMMEDIATE');
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 10);
      const stall = await longestStall(async () => {
        const waited = db.execute('INSERT INTO counters (name, value) VALUES (?, ?)', ['late', 1]);
        await expect(
          impatient.execute('INSERT INTO counters (name, value) VALUES (?, ?)', ['never', 1]),
        ).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
        // The patient write is still waiting (its timeout is 10 s): the other connection lets go.
        other.exec('COMMIT');
        await expect(waited).resolves.toBe(1);
      });
      clearInterval(ticker);
      expect(stall).toBeLessThan(STALL_MS);
      expect(ticks).toBeGreaterThan(5); // the loop kept turning while the write waited
      await expect(db.transaction(async (tx) => tx.query('SELECT name FROM counters ORDER BY name'))).resolves.toEqual([
        { name: 'late' },
      ]);
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
    }
  });

  it('commits a transaction only once its lock is free, with the writes of the work and nothing of a failed one', async () => {
    const db = connect();
    const other = new Database(file);
    try {
      other.exec('BEGIN IMMEDIATE');
      setTimeout(() => other.exec('COMMIT'), 100);
      await db.transaction(async (tx) => {
        await tx.execute('INSERT INTO counters (name, value) VALUES (?, ?)', ['x', 1]);
        await tx.execute('INSERT INTO counters (name, value) VALUES (?, ?)', ['y', 2]);
      });
      await expect(
        db.transaction(async (tx) => {
          await tx.execute('INSERT INTO counters (name, value) VALUES (?, ?)', ['z', 3]);
          throw new Error('the work failed');
        }),
      ).rejects.toThrow('the work failed');
      // A write that fails at commit fails the whole transaction.
      await expect(
        db.transaction(async (tx) => {
          await tx.execute('INSERT INTO counters (name, value) VALUES (?, ?)', ['w', 4]);
          await tx.execute('INSERT INTO counters (name, value) VALUES (?, ?)', ['x', 5]);
        }),
      ).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
      expect(await db.query('SELECT name, value FROM counters ORDER BY name')).toEqual([
        { name: 'x', value: 1 },
        { name: 'y', value: 2 },
      ]);
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
    }
  });

  it('refuses a read after a write in one transaction (writes are applied at commit)', async () => {
    const db = connect();
    await expect(
      db.transaction(async (tx) => {
        await tx.execute('INSERT INTO counters (name, value) VALUES (?, ?)', ['r', 1]);
        return tx.query('SELECT * FROM counters');
      }),
    ).rejects.toThrow(/read after a write/);
    expect(await db.query('SELECT * FROM counters')).toEqual([]);
  });

  it('keeps a relaxed commit relaxed only for its own transaction', async () => {
    const db = connect();
    await db.transaction(async (tx) => void (await tx.execute('INSERT INTO counters VALUES (?, ?)', ['s', 1])), {
      durable: false,
    });
    expect(db.raw.pragma('synchronous', { simple: true })).toBe(2); // FULL again
    expect(db.raw.pragma('busy_timeout', { simple: true })).toBe(0);
  });
});
