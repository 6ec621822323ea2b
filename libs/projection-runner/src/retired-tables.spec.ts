import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProjectionRegistry } from './projection-registry';
import { RetiredTables } from './retired-tables';
import { BACKGROUND_NICE, SqliteBuildWriter } from './sqlite-build-writer';
import { SqliteDb } from '@accord/sql';

describe('RetiredTables: the tables of swapped-out generations, dropped in the background', () => {
  let dir: string;
  let connections: SqliteDb[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'accord-retired-'));
    connections = [];
  });
  afterEach(async () => {
    for (const db of connections) await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const connect = (): SqliteDb => {
    const db = new SqliteDb(join(dir, 'read-models.db'));
    connections.push(db);
    return db;
  };
  /** A table of `rows` rows with a composite key, recorded as retired (as a swap records it). */
  const retire = async (db: SqliteDb, registry: ProjectionRegistry, table: string, rows: number) => {
    await registry.setup();
    await db.exec(
      `CREATE TABLE "${table}" ("stream" TEXT NOT NULL, "revision" INTEGER NOT NULL, "note" TEXT, PRIMARY KEY ("stream", "revision")) WITHOUT ROWID`,
    );
    await db.transaction(async (tx) => {
      for (let i = 0; i < rows; i++) {
        await tx.execute(`INSERT INTO "${table}" VALUES (?, ?, ?)`, [`s-${i % 7}`, i, 'x'.repeat(20)]);
      }
    });
    await db.execute(
      "INSERT INTO projection_retired (table_name, projection, retired_at) VALUES (?, 'trail', '2026-12-01T00:00:00.000Z')",
      [table],
    );
  };
  const pending = async (registry: ProjectionRegistry) => (await registry.retired()).map((r) => r.table);
  const exists = async (db: SqliteDb, table: string) =>
    (await db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", [table])).length === 1;
  const count = async (db: SqliteDb, table: string) =>
    Number((await db.query<{ n: number }>(`SELECT count(*) AS n FROM "${table}"`))[0].n);

  it('empties each recorded table in slices and drops it, then forgets it', async () => {
    const db = connect();
    const registry = new ProjectionRegistry(db);
    await retire(db, registry, 'trail_v1_g1', 95);
    await retire(db, registry, 'trail_v1_g2', 10);
    const retired = new RetiredTables(db, registry, { slice: 20, pauseMs: 0 });
    expect(await pending(registry)).toEqual(['trail_v1_g1', 'trail_v1_g2']);
    expect((await registry.retired()).map((r) => r.projection)).toEqual(['trail', 'trail']);
    await retired.drain();
    expect(await exists(db, 'trail_v1_g1')).toBe(false);
    expect(await exists(db, 'trail_v1_g2')).toBe(false);
    expect(await pending(registry)).toEqual([]);
  });

  it('on another thread, leaves a table partly emptied and recorded when stopped, and drops it at the next start', async () => {
    const db = connect();
    const registry = new ProjectionRegistry(db);
    await retire(db, registry, 'trail_v1_g1', 300);
    const offThread = () => new SqliteBuildWriter(join(dir, 'read-models.db'));
    const first = new RetiredTables(db, registry, { slice: 10, pauseMs: 100, offThread });
    const draining = first.drain();
    const deadline = Date.now() + 20_000;
    while ((await count(db, 'trail_v1_g1')) === 300) {
      if (Date.now() > deadline) throw new Error('no slice was ever deleted');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await first.stop();
    await draining;
    const left = await count(db, 'trail_v1_g1');
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(300);
    expect(left % 10).toBe(0); // whole slices, each its own transaction
    expect(await pending(registry)).toEqual(['trail_v1_g1']);

    const next = new RetiredTables(db, registry, { slice: 50, pauseMs: 0, offThread });
    await next.start();
    expect(await exists(db, 'trail_v1_g1')).toBe(false);
    expect(await pending(registry)).toEqual([]);
  });

  it('forgets a table another process dropped already, on this thread and on another', async () => {
    const db = connect();
    const registry = new ProjectionRegistry(db);
    await retire(db, registry, 'trail_v1_g1', 5);
    await retire(db, registry, 'trail_v1_g2', 5);
    await db.exec('DROP TABLE "trail_v1_g1"');
    await db.exec('DROP TABLE "trail_v1_g2"');
    const errors: unknown[] = [];
    await new RetiredTables(db, registry, { slice: 2, onError: (_, e) => errors.push(e) }).drain();
    expect(errors).toEqual([]);
    expect(await registry.retired()).toEqual([]);

    await retire(db, registry, 'trail_v1_g3', 5);
    await db.exec('DROP TABLE "trail_v1_g3"');
    const offThread = () => new SqliteBuildWriter(join(dir, 'read-models.db'));
    await new RetiredTables(db, registry, { slice: 2, offThread, onError: (_, e) => errors.push(e) }).drain();
    expect(errors).toEqual([]);
    expect(await registry.retired()).toEqual([]);
  });
});

describe('SqliteBuildWriter: a background thread', () => {
  const linux = process.platform === 'linux';
  (linux ? it : it.skip)('runs at a lower priority than the request thread (Linux: its own nice value)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'accord-writer-nice-'));
    const niceOf = (tid: string) =>
      Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ')[16]);
    const before = new Set(readdirSync('/proc/self/task'));
    const mainNice = niceOf(String(process.pid));
    const writer = new SqliteBuildWriter(join(dir, 'read-models.db'));
    try {
      // A drop of a table that is not there: it answers once the thread is up and has reniced itself.
      expect(await writer.drop(undefined, 'DROP TABLE IF EXISTS "nothing_here"', 0)).toBe('dropped');
      const started = readdirSync('/proc/self/task').filter((tid) => !before.has(tid));
      expect(started.map(niceOf)).toContain(BACKGROUND_NICE);
      expect(niceOf(String(process.pid))).toBe(mainNice); // this thread keeps its own
    } finally {
      await writer.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  (linux ? it : it.skip)('keeps the process priority when it is not background work (a CLI rebuild)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'accord-writer-nice-'));
    const niceOf = (tid: string) =>
      Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ')[16]);
    const before = new Set(readdirSync('/proc/self/task'));
    const mainNice = niceOf(String(process.pid));
    const writer = new SqliteBuildWriter(join(dir, 'read-models.db'), { background: false });
    try {
      expect(await writer.drop(undefined, 'DROP TABLE IF EXISTS "nothing_here"', 0)).toBe('dropped');
      const started = readdirSync('/proc/self/task').filter((tid) => !before.has(tid));
      expect(started.length).toBeGreaterThan(0);
      expect(started.map(niceOf).every((nice) => nice === mainNice)).toBe(true);
    } finally {
      await writer.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
