import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@accord/event-store-sqlite';
import type { Projection } from './projection';
import { ProjectionRunner } from './projection-runner';
import { SqliteDb } from './sql/sqlite-db';

/** Counts events per stream; version 2 counts them twice, so each version's rows are recognisable. */
const counter = (version: number): Projection => ({
  name: 'counter',
  version,
  tables: [{ name: 'counts', key: ['stream'], columns: { stream: 'text', n: 'integer' } }],
  reads: (event) => [['counts', event.streamId]],
  apply(event, rows) {
    const n = Number(rows.get('counts', event.streamId)?.n ?? 0);
    rows.put('counts', { stream: event.streamId, n: n + version });
  },
});

describe('ProjectionRunner: generations, version changes and rebuilds', () => {
  let dir: string;
  let store: SqliteEventStore;
  let connections: SqliteDb[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'accord-runner-'));
    store = await SqliteEventStore.open(join(dir, 'accord.db'));
    connections = [];
  });
  afterEach(async () => {
    await store.close();
    for (const db of connections) await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const connect = (): SqliteDb => {
    const db = new SqliteDb(join(dir, 'accord.db'));
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
  const rows = async (db: SqliteDb, runner: ProjectionRunner) =>
    db.query<{ stream: string; n: number }>(
      `SELECT stream, n FROM "${(await runner.tables('counter')).counts}" ORDER BY stream`,
    );

  it('keeps serving the old version while a new version is rebuilt, then swaps and drops the old tables', async () => {
    const head = await appendMany(20, 500);
    const db = connect();
    const v1 = new ProjectionRunner(store, db, [counter(1)]);
    await v1.start();
    expect(await v1.waitFor('counter', head, 20000)).toBe(true);
    await v1.stop();
    const oldTables = await v1.tables('counter');
    expect((await rows(db, v1)).every((r) => r.n === 500)).toBe(true);

    let swapped!: () => void;
    const swap = new Promise<void>((resolve) => (swapped = resolve));
    const v2 = new ProjectionRunner(store, db, [counter(2)], { batchSize: 100, onSwap: () => swapped() });
    await v2.start();
    // Right after the start, queries still read version 1, whole.
    expect(await v2.tables('counter')).toEqual(oldTables);
    expect((await v2.status())[0]).toMatchObject({ version: 1, state: 'rebuilding', rebuild: { version: 2 } });
    expect((await rows(db, v2)).every((r) => r.n === 500)).toBe(true);

    await swap;
    expect(await v2.tables('counter')).toEqual({ counts: 'counts_v2_g2' });
    expect(await rows(db, v2)).toHaveLength(20);
    expect((await rows(db, v2)).every((r) => r.n === 1000)).toBe(true);
    const tables = await db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'counts_%'");
    expect(tables).toEqual([{ name: 'counts_v2_g2' }]);

    // And it goes on live on the new generation.
    const later = (await store.append('thing-0', [{ id: randomUUID(), type: 'Counted', data: {} }])).position;
    expect(await v2.waitFor('counter', later)).toBe(true);
    expect((await rows(db, v2))[0]).toEqual({ stream: 'thing-0', n: 1002 });
    await v2.stop();
  });

  it('follows a generation swapped in by another process (a CLI rebuild) without applying an event twice', async () => {
    await appendMany(10, 100);
    const apiDb = connect();
    const api = new ProjectionRunner(store, apiDb, [counter(1)]);
    await api.start();
    await api.caughtUp();

    const cliDb = connect();
    const cli = new ProjectionRunner(store, cliDb, [counter(1)]);
    // Appends keep coming while the other process rebuilds.
    const writing = appendMany(10, 50);
    await cli.rebuild('counter');
    const head = await writing;
    expect(await api.tables('counter')).toEqual({ counts: 'counts_v1_g2' });

    const last = (await store.append('thing-9', [{ id: randomUUID(), type: 'Counted', data: {} }])).position;
    expect(await api.waitFor('counter', Math.max(head, last), 20000)).toBe(true);
    const counts = await rows(apiDb, api);
    expect(counts).toHaveLength(10);
    expect(counts.map((r) => r.n)).toEqual([150, 150, 150, 150, 150, 150, 150, 150, 150, 151]);
    await api.stop();
  });

  it('rejects an unknown projection by name', () => {
    const runner = new ProjectionRunner(store, connect(), [counter(1)]);
    expect(() => runner.projection('nope')).toThrow(/no projection "nope"/);
  });
});
