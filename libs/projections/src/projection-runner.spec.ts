import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@accord/event-store-sqlite';
import Database from 'better-sqlite3';
import { SqliteProjectionRunner } from './projection-runner';
import { prepared, type SqliteProjection } from './sqlite-projection';

/** Counts events per stream; version 2 counts them twice, so each version's rows are recognisable. */
const counter = (version: number): SqliteProjection => ({
  name: 'counter',
  version,
  tables: ['counts'],
  setup(db, t) {
    db.exec(`CREATE TABLE IF NOT EXISTS "${t.counts}" (stream TEXT PRIMARY KEY, n INTEGER NOT NULL)`);
  },
  apply(db, event, t) {
    prepared(
      db,
      `INSERT INTO "${t.counts}" (stream, n) VALUES (?, ?) ON CONFLICT (stream) DO UPDATE SET n = n + ?`,
    ).run(event.streamId, version, version);
  },
});

describe('SqliteProjectionRunner: generations, version changes and rebuilds', () => {
  let dir: string;
  let store: SqliteEventStore;
  let connections: Database.Database[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'accord-runner-'));
    store = await SqliteEventStore.open(join(dir, 'accord.db'));
    connections = [];
  });
  afterEach(async () => {
    await store.close();
    for (const db of connections) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const connect = (): Database.Database => {
    const db = new Database(join(dir, 'accord.db'));
    db.pragma('busy_timeout = 10000');
    connections.push(db);
    return db;
  };
  const appendMany = async (streams: number, each: number): Promise<number> => {
    let position = 0;
    for (let s = 0; s < streams; s++) {
      const events = Array.from({ length: each }, () => ({ id: randomUUID(), type: 'Counted', data: {} }));
      position = (await store.append(`thing-${s}`, events)).position;
    }
    return position;
  };
  const rows = (db: Database.Database, runner: SqliteProjectionRunner) =>
    db.prepare(`SELECT stream, n FROM "${runner.tables('counter').counts}" ORDER BY stream`).all() as {
      stream: string;
      n: number;
    }[];

  it('keeps serving the old version while a new version is rebuilt, then swaps and drops the old tables', async () => {
    const head = await appendMany(20, 500);
    const db = connect();
    const v1 = new SqliteProjectionRunner(store, db, [counter(1)]);
    v1.start();
    expect(await v1.waitFor('counter', head, 20000)).toBe(true);
    await v1.stop();
    const oldTables = v1.tables('counter');
    expect(rows(db, v1).every((r) => r.n === 500)).toBe(true);

    let swapped!: () => void;
    const swap = new Promise<void>((resolve) => (swapped = resolve));
    const v2 = new SqliteProjectionRunner(store, db, [counter(2)], { batchSize: 100, onSwap: () => swapped() });
    v2.start();
    // Right after the start, queries still read version 1, whole.
    expect(v2.tables('counter')).toEqual(oldTables);
    expect(v2.status()[0]).toMatchObject({ version: 1, state: 'rebuilding', rebuild: { version: 2 } });
    expect(rows(db, v2).every((r) => r.n === 500)).toBe(true);

    await swap;
    expect(v2.tables('counter')).toEqual({ counts: 'counts_v2_g2' });
    expect(rows(db, v2)).toHaveLength(20);
    expect(rows(db, v2).every((r) => r.n === 1000)).toBe(true);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'counts_%'").all();
    expect(tables).toEqual([{ name: 'counts_v2_g2' }]);

    // And it goes on live on the new generation.
    const later = (await store.append('thing-0', [{ id: randomUUID(), type: 'Counted', data: {} }])).position;
    expect(await v2.waitFor('counter', later)).toBe(true);
    expect(rows(db, v2)[0]).toEqual({ stream: 'thing-0', n: 1002 });
    await v2.stop();
  });

  it('follows a generation swapped in by another process (a CLI rebuild) without applying an event twice', async () => {
    await appendMany(10, 100);
    const apiDb = connect();
    const api = new SqliteProjectionRunner(store, apiDb, [counter(1)]);
    api.start();
    await api.caughtUp();

    const cliDb = connect();
    const cli = new SqliteProjectionRunner(store, cliDb, [counter(1)]);
    // Appends keep coming while the other process rebuilds.
    const writing = appendMany(10, 50);
    await cli.rebuild('counter');
    const head = await writing;
    expect(api.tables('counter')).toEqual({ counts: 'counts_v1_g2' });

    const last = (await store.append('thing-9', [{ id: randomUUID(), type: 'Counted', data: {} }])).position;
    expect(await api.waitFor('counter', Math.max(head, last), 20000)).toBe(true);
    const counts = rows(apiDb, api);
    expect(counts).toHaveLength(10);
    expect(counts.map((r) => r.n)).toEqual([150, 150, 150, 150, 150, 150, 150, 150, 150, 151]);
    await api.stop();
  });

  it('rejects an unknown projection by name', () => {
    const runner = new SqliteProjectionRunner(store, connect(), [counter(1)]);
    expect(() => runner.projection('nope')).toThrow(/no projection "nope"/);
  });
});
