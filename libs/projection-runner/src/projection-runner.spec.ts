import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@accord/event-store-sqlite';
import { jsonColumn, type Projection } from './projection';
import { ProjectionRunner } from './projection-runner';
import { SqliteBuildWriter } from './sqlite-build-writer';
import { SqliteDb } from '@accord/sql';

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

/** Every event of each stream (a composite key) and a JSON state per stream, as commitment-history keeps them. */
const trail: Projection = {
  name: 'trail',
  version: 1,
  tables: [
    {
      name: 'trail',
      key: ['stream', 'revision'],
      columns: { stream: 'text', revision: 'bigint', position: 'bigint', seen: 'integer' },
    },
    { name: 'trail_state', key: ['stream'], columns: { stream: 'text', state: 'text' } },
  ],
  reads: (event) => [['trail_state', event.streamId]],
  apply(event, rows) {
    const before = jsonColumn(rows.get('trail_state', event.streamId), 'state', { seen: 0, last: [] as number[] });
    const after = { seen: before.seen + 1, last: [...before.last, event.position].slice(-3) };
    rows.put('trail_state', { stream: event.streamId, state: after });
    rows.put('trail', { stream: event.streamId, revision: event.revision, position: event.position, seen: after.seen });
  },
};

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
  /** `rounds` times, `each` events to each of `streams` streams: streams interleave in the log. */
  const appendInterleaved = async (rounds: number, streams: number, each: number): Promise<number> => {
    let position = 0;
    for (let r = 0; r < rounds; r++) {
      for (let s = 0; s < streams; s++) {
        const events = Array.from({ length: each }, () => ({ id: randomUUID(), type: 'Counted', data: {} }));
        position = (await store.append(`thing-${s}`, events)).position;
      }
    }
    return position;
  };
  /** Every row of every table of the live generations, in key order. */
  const dump = async (db: SqliteDb, runner: ProjectionRunner) => {
    const all: Record<string, unknown[]> = {};
    for (const projection of runner.projections) {
      const tables = await runner.tables(projection.name);
      for (const spec of projection.tables) {
        all[spec.name] = await db.query(`SELECT * FROM "${tables[spec.name]}" ORDER BY ${spec.key.join(', ')}`);
      }
    }
    return all;
  };
  const rows = async (db: SqliteDb, runner: ProjectionRunner) =>
    db.query<{ stream: string; n: number }>(
      `SELECT stream, n FROM "${(await runner.tables('counter')).counts}" ORDER BY stream`,
    );

  /** Waits until no table of `runner`'s projections is retiring (dropped in the background). */
  const retired = async (runner: ProjectionRunner) => {
    const deadline = Date.now() + 20_000;
    while ((await runner.status()).some((s) => s.retiring.length > 0)) {
      if (Date.now() > deadline) throw new Error('the retired tables were never dropped');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

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
    // The old table goes in the background: retiring until it is dropped.
    await retired(v2);
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

  /** DELETE statements on the read models' tables run on `db`'s own connection (the main thread). */
  const deletesOn = (db: SqliteDb): string[] => {
    const deletes: string[] = [];
    const execute = db.execute.bind(db);
    jest.spyOn(db, 'execute').mockImplementation((sql, params) => {
      if (sql.startsWith('DELETE FROM "')) deletes.push(sql);
      return execute(sql, params);
    });
    return deletes;
  };
  const leftTables = async (db: SqliteDb) =>
    (
      await db.query<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND (name LIKE 'trail%' OR name LIKE 'counts%') ORDER BY name",
      )
    ).map((t) => t.name);

  it('empties a swapped-out generation in slices of its key order before dropping it, composite keys too (dropSlice)', async () => {
    const head = await appendInterleaved(4, 10, 5);
    const db = connect();
    const first = new ProjectionRunner(store, db, [counter(1), trail]);
    await first.rebuild(['counter', 'trail']);
    const old = await first.tables('trail');
    const deletes = deletesOn(db);
    const second = new ProjectionRunner(store, db, [counter(1), trail], { dropSlice: 30, buildOffThread: false });
    await second.rebuild(['counter', 'trail']);
    // trail has `head` rows: floor(head / 30) full slices, then one that finds fewer than 30
    // rows left and deletes none (the DROP takes them).
    const onTrail = deletes.filter((sql) => sql.includes(`"${old.trail}"`));
    expect(onTrail).toHaveLength(Math.floor(head / 30) + 1);
    expect(onTrail[0]).toContain('WHERE ("stream", "revision") <= (SELECT "stream", "revision"');
    expect(await leftTables(db)).toEqual(['counts_v1_g3', 'trail_state_v1_g3', 'trail_v1_g3']);
    expect((await second.status()).map((s) => s.retiring)).toEqual([[], []]);
    expect((await dump(db, second)).trail).toHaveLength(head);
  });

  it('drops a swapped-out generation on another thread on a SQLite file: no DELETE runs on this one', async () => {
    const head = await appendInterleaved(4, 10, 5);
    const db = connect();
    await new ProjectionRunner(store, db, [counter(1), trail]).rebuild(['counter', 'trail']);
    const deletes = deletesOn(db);
    const second = new ProjectionRunner(store, db, [counter(1), trail], { dropSlice: 30 });
    await second.rebuild(['counter', 'trail']);
    expect(deletes).toEqual([]);
    expect(await leftTables(db)).toEqual(['counts_v1_g3', 'trail_state_v1_g3', 'trail_v1_g3']);
    expect((await second.status()).map((s) => s.retiring)).toEqual([[], []]);
    expect((await dump(db, second)).trail).toHaveLength(head);
  });

  it('gives the event loop a turn between the batches of a build', async () => {
    await appendMany(10, 100);
    const db = connect();
    const runner = new ProjectionRunner(store, db, [counter(1)], { buildBatchSize: 50, buildOffThread: false });
    let turns = 0;
    let batches = 0;
    // An immediate runs once per pass of the event loop, and only when the build lets the loop
    // go round (a 1 ms timer would also depend on how fast a batch is: it flaked on a fast run).
    let stopped = false;
    const spin = () => {
      if (stopped) return;
      turns++;
      setImmediate(spin);
    };
    setImmediate(spin);
    try {
      await runner.rebuild('counter', () => batches++);
    } finally {
      stopped = true;
    }
    expect(batches).toBeGreaterThanOrEqual(20);
    // One turn of the loop at least every other batch.
    expect(turns).toBeGreaterThanOrEqual(batches / 2);
  });

  it('builds several projections in one pass over the log, with the same rows as one rebuild each', async () => {
    const head = await appendInterleaved(6, 25, 7);
    const db = connect();
    const names = ['counter', 'trail'];
    const separate = new ProjectionRunner(store, db, [counter(1), trail], { buildBatchSize: 250 });
    for (const name of names) await separate.rebuild(name);
    const expected = await dump(db, separate);
    expect(expected.trail).toHaveLength(head);
    expect(expected.counts).toHaveLength(25);
    expect(expected.counts.every((r) => (r as { n: number }).n === 42)).toBe(true);

    const reads = jest.spyOn(store, 'readAll');
    // A tiny row cache, so that rows leave it and are read back from the tables.
    const onePass = new ProjectionRunner(store, db, [counter(1), trail], { buildBatchSize: 250, cacheRows: 4 });
    let reached = 0;
    await onePass.rebuild(names, (position) => (reached = position));
    expect(reached).toBe(head);
    // Each page read once for both, and the empty page at the end.
    expect(reads).toHaveBeenCalledTimes(Math.ceil(head / 250) + 1);
    expect(await onePass.tables('trail')).toEqual({ trail: 'trail_v1_g3', trail_state: 'trail_state_v1_g3' });
    expect(await dump(db, onePass)).toEqual(expected);
    expect((await onePass.status()).map((s) => [s.name, s.generation, s.checkpoint, s.state])).toEqual([
      ['counter', 3, head, 'live'],
      ['trail', 3, head, 'live'],
    ]);
  });

  it.each([
    ['on another thread', true],
    ['on this thread', false],
  ])(
    'resumes a build stopped midway from its checkpoint, applying no event twice (writes %s)',
    async (_, buildOffThread) => {
      const head = await appendInterleaved(8, 25, 5);
      const db = connect();
      const names = ['counter', 'trail'];
      const first = new ProjectionRunner(store, db, [counter(1), trail], { buildBatchSize: 200, buildOffThread });
      let stopping: Promise<void> | undefined;
      await first.rebuild(names, (position) => {
        if (position >= head / 2) stopping ??= first.stop();
      });
      await stopping;
      const interrupted = await first.status();
      expect(interrupted.map((s) => s.state)).toEqual(['rebuilding', 'rebuilding']);
      const resumeAt = interrupted[0].rebuild!.checkpoint;
      expect(resumeAt).toBeGreaterThanOrEqual(head / 2);
      expect(resumeAt).toBeLessThan(head);
      expect(interrupted[1].rebuild!.checkpoint).toBe(resumeAt); // written in the same transactions

      const reads = jest.spyOn(store, 'readAll');
      const second = new ProjectionRunner(store, db, [counter(1), trail], { buildBatchSize: 200, buildOffThread });
      await second.rebuild(names);
      expect(reads.mock.calls[0][0]).toEqual({ after: resumeAt, maxCount: 200 });
      expect(await second.tables('counter')).toEqual({ counts: 'counts_v1_g2' });
      const built = await dump(db, second);
      expect(built.counts.every((r) => (r as { n: number }).n === 40)).toBe(true);
      expect(built.trail).toHaveLength(head);
      expect(built.trail_state.map((r) => JSON.parse((r as { state: string }).state).seen)).toEqual(Array(25).fill(40));
    },
  );

  it('writes a build on another thread while it applies the next batch, with the same rows as on this thread', async () => {
    const head = await appendInterleaved(12, 25, 7);
    const db = connect();
    const names = ['counter', 'trail'];
    const here = new ProjectionRunner(store, db, [counter(1), trail], { buildBatchSize: 250, buildOffThread: false });
    await here.rebuild(names);
    const expected = await dump(db, here);
    expect(expected.trail).toHaveLength(head);

    const transactions = jest.spyOn(db, 'transaction');
    // A tiny row cache: rows of the batch in flight must still be found (they are not in the tables yet).
    const offThread = new ProjectionRunner(store, db, [counter(1), trail], { buildBatchSize: 250, cacheRows: 4 });
    const progress: number[] = [];
    await offThread.rebuild(names, (position) => progress.push(position));
    expect(progress.at(-1)).toBe(head);
    expect(await dump(db, offThread)).toEqual(expected);
    expect(await offThread.tables('trail')).toEqual({ trail: 'trail_v1_g3', trail_state: 'trail_state_v1_g3' });
    // Here: only each projection's beginBuild and swap; every batch went to the writer thread.
    expect(transactions).toHaveBeenCalledTimes(4);
  });

  it('drops the batch computed after one that was superseded, and the new build resumes with nothing lost', async () => {
    const head = await appendInterleaved(8, 25, 5);
    const db = connect();
    const other = connect();
    const names = ['counter', 'trail'];
    const first = new ProjectionRunner(store, db, [counter(1), trail], { buildBatchSize: 100 });
    let superseded = false;
    await first.rebuild(names, (position) => {
      if (position >= head / 2 && !superseded) {
        superseded = true;
        // Another process starts its own build of counter (synchronously: before the next batch is written).
        other.raw
          .prepare('UPDATE projection_registry SET building_generation = building_generation + 1 WHERE name = ?')
          .run('counter');
      }
    });
    expect(superseded).toBe(true);
    const status = await first.status();
    expect(status.map((s) => [s.name, s.generation, s.state])).toEqual([
      ['counter', 1, 'rebuilding'],
      ['trail', 2, 'live'],
    ]);
    expect(status[0].rebuild).toEqual({ version: 1, generation: 3, checkpoint: 0 });
    expect(await db.query('SELECT COUNT(*) AS n FROM trail_v1_g2')).toEqual([{ n: head }]);

    const second = new ProjectionRunner(store, other, [counter(1), trail]);
    await second.rebuild('counter');
    expect(await second.tables('counter')).toEqual({ counts: 'counts_v1_g3' });
    const counts = await rows(other, second);
    expect(counts).toHaveLength(25);
    expect(counts.every((r) => r.n === 40)).toBe(true);
  });

  it('reads again from the last landed batch when a write on the other thread fails, applying no event twice', async () => {
    const head = await appendInterleaved(8, 25, 5);
    const db = connect();
    const other = connect();
    const errors: string[] = [];
    let armed = false;
    const runner = new ProjectionRunner(store, db, [counter(1), trail], {
      buildBatchSize: 100,
      onError: (name, error) => {
        errors.push(`${name}: ${(error as Error).message}`);
        other.raw.exec('DROP TRIGGER IF EXISTS fail_once');
      },
    });
    await runner.rebuild(['counter', 'trail'], () => {
      if (armed) return;
      armed = true;
      // The batch after next fails in the writer's transaction, once.
      other.raw.exec(`CREATE TRIGGER fail_once BEFORE INSERT ON trail_v1_g2 WHEN NEW.position > ${head / 2}
        BEGIN SELECT RAISE(ABORT, 'injected'); END`);
    });
    expect(errors).toEqual(['counter: injected', 'trail: injected']);
    const built = await dump(db, runner);
    expect(built.counts.every((r) => (r as { n: number }).n === 40)).toBe(true);
    expect(built.trail).toHaveLength(head);
    expect(built.trail_state.map((r) => JSON.parse((r as { state: string }).state).seen)).toEqual(Array(25).fill(40));
  });

  it('finishes a build on this thread when the writer thread dies, with the same rows', async () => {
    const head = await appendInterleaved(8, 25, 5);
    const db = connect();
    const names = ['counter', 'trail'];
    const here = new ProjectionRunner(store, db, [counter(1), trail], { buildBatchSize: 100, buildOffThread: false });
    await here.rebuild(names);
    const expected = await dump(db, here);

    // Fault injection: the thread dies as the third batch is handed to it. It is gone before that
    // batch is posted (terminated in the same tick, it sometimes wrote that batch first).
    const write = SqliteBuildWriter.prototype.write;
    let calls = 0;
    const spy = jest.spyOn(SqliteBuildWriter.prototype, 'write').mockImplementation(function (
      this: SqliteBuildWriter,
      ...args
    ) {
      if (++calls !== 3) return write.apply(this, args);
      const { worker } = this as unknown as { worker: { terminate(): Promise<number> } };
      return worker.terminate().then(() => write.apply(this, args));
    });
    const errors: string[] = [];
    const runner = new ProjectionRunner(store, db, [counter(1), trail], {
      buildBatchSize: 100,
      onError: (name, error) => errors.push(`${name}: ${(error as Error).message}`),
    });
    try {
      await runner.rebuild(names);
    } finally {
      spy.mockRestore();
    }
    expect(calls).toBe(3);
    expect(errors).toEqual(['counter: The build writer exited', 'trail: The build writer exited']);
    const built = await dump(db, runner);
    expect(built).toEqual(expected);
    expect(built.trail).toHaveLength(head);
  });

  it('follows the log live with one follower and one transaction a batch, each projection from its own checkpoint', async () => {
    const early = await appendInterleaved(4, 10, 5);
    const db = connect();
    const counterOnly = new ProjectionRunner(store, db, [counter(1)]);
    await counterOnly.start();
    expect(await counterOnly.waitFor('counter', early, 20000)).toBe(true);
    await counterOnly.stop();
    const head = await appendInterleaved(2, 10, 5);

    // counter resumes where it was; trail is new and starts from the beginning.
    const both = new ProjectionRunner(store, db, [counter(1), trail], { batchSize: 70 });
    expect(await both.checkpoint('counter')).toBe(early);
    const reads = jest.spyOn(store, 'readAll');
    await both.start();
    expect(await both.waitFor('trail', head, 20000)).toBe(true);
    expect(await both.waitFor('counter', head, 20000)).toBe(true);
    expect(reads.mock.calls[0][0]).toEqual({ after: 0, maxCount: 70 }); // one follower, from the lowest
    const caughtUp = await dump(db, both);
    expect(caughtUp.counts.every((r) => (r as { n: number }).n === 30)).toBe(true); // none counted twice
    expect(caughtUp.trail).toHaveLength(head);

    const transactions = jest.spyOn(db, 'transaction');
    const last = (await store.append('thing-3', [{ id: randomUUID(), type: 'Counted', data: {} }])).position;
    expect(await both.waitFor('counter', last)).toBe(true);
    expect(await both.waitFor('trail', last)).toBe(true);
    expect(transactions).toHaveBeenCalledTimes(1); // both read models and both checkpoints
    expect([await both.checkpoint('counter'), await both.checkpoint('trail')]).toEqual([last, last]);
    expect((await rows(db, both))[3]).toEqual({ stream: 'thing-3', n: 31 });
    await both.stop();
  });

  it('rejects an unknown projection by name', () => {
    const runner = new ProjectionRunner(store, connect(), [counter(1)]);
    expect(() => runner.projection('nope')).toThrow(/no projection "nope"/);
  });
});
