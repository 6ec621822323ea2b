import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore, RecordedEvent } from '@accord/event-store';
import { until } from '@accord/event-store/conformance/event-store.conformance';
import { PostgresEventStore } from '@accord/event-store-postgres';
import {
  describeWithPostgres,
  dropTestSchema,
  TEST_PG_URL,
  testSchemaName,
} from '@accord/event-store-postgres/testing/postgres-test-database';
import { SqliteEventStore } from '@accord/event-store-sqlite';
import { storableText } from './failures';
import type { Projection } from './projection';
import { RebuildFailedError, ProjectionRunner, type ProjectionStatus } from './projection-runner';
import { PostgresDb } from '@accord/sql';
import type { SqlDb } from '@accord/sql';
import { SqliteDb } from '@accord/sql';

/** A store, the database beside it, and the event that one projection cannot take there. */
interface Fixture {
  readonly store: EventStore;
  readonly db: SqlDb;
  /** Another connection to the same database, as another process (the CLI, a workers=off API) has. */
  connect(): SqlDb;
  /** The data of the event `titles` fails on, and the error it fails with. */
  readonly poison: { readonly data: Record<string, unknown>; readonly error: RegExp };
  close(): Promise<void>;
}

async function onSqlite(): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'accord-failures-'));
  const file = join(dir, 'accord.db');
  const store = await SqliteEventStore.open(file);
  const connections: SqlDb[] = [];
  const connect = () => {
    const db = new SqliteDb(file);
    connections.push(db);
    return db;
  };
  return {
    store,
    db: connect(),
    connect,
    // SQLite holds any text: here the projection's own code throws on the event.
    poison: { data: { title: 'boom', explode: true }, error: /cannot title an exploding event/ },
    async close() {
      for (const db of connections) await db.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function onPostgres(): Promise<Fixture> {
  const schema = testSchemaName();
  const store = await PostgresEventStore.open(TEST_PG_URL, { schema });
  const connections: SqlDb[] = [];
  const connect = () => {
    const db = new PostgresDb(TEST_PG_URL, { schema, max: 4 });
    connections.push(db);
    return db;
  };
  return {
    store,
    db: connect(),
    connect,
    // The log keeps it (JSON escapes it), but a PostgreSQL text column cannot hold a NUL.
    poison: { data: { title: 'a NUL \u0000 here' }, error: /invalid byte sequence for encoding "UTF8": 0x00/ },
    async close() {
      for (const db of connections) await db.close();
      await store.close();
      await dropTestSchema(schema);
    },
  };
}

/** Counts events per stream: it takes every event. */
const counter: Projection = {
  name: 'counter',
  version: 1,
  tables: [{ name: 'counts', key: ['stream'], columns: { stream: 'text', n: 'integer' } }],
  reads: (event) => [['counts', event.streamId]],
  apply(event, rows) {
    rows.put('counts', { stream: event.streamId, n: Number(rows.get('counts', event.streamId)?.n ?? 0) + 1 });
  },
};

/** The last title of each stream, as it came (fixed: it takes any title). */
const titles = (fixed: boolean): Projection => ({
  name: 'titles',
  version: 1,
  tables: [{ name: 'titles', key: ['stream'], columns: { stream: 'text', title: 'text', n: 'integer' } }],
  reads: (event) => [['titles', event.streamId]],
  apply(event, rows) {
    const data = event.data as { title: string; explode?: boolean };
    if (data.explode && !fixed) throw new Error('cannot title an exploding event');
    const title = fixed ? storableText(data.title) : data.title;
    const n = Number(rows.get('titles', event.streamId)?.n ?? 0);
    rows.put('titles', { stream: event.streamId, title, n: n + 1 });
  },
});

function failureSuite(open: () => Promise<Fixture>): void {
  let f: Fixture;
  let poison: RecordedEvent;
  /** The position of the event before the poison: where the failed projection must stop. */
  let before: number;

  beforeEach(async () => {
    f = await open();
    await fill(20);
    for (let i = 0; i < 7; i++) await f.store.append('thing-0', [titled(`single ${i}`)]);
    // A stream of its own: no later event of the batch replaces its row before the write.
    const { position } = await f.store.append('odd-1', [{ id: randomUUID(), type: 'Titled', data: f.poison.data }]);
    await fill(20);
    const log = await readLog();
    const at = log.findIndex((e) => e.position === position);
    poison = log[at];
    before = log[at - 1].position;
    expect(position % 100).not.toBe(1); // in the middle of a page of 100
  });
  afterEach(() => f.close());

  const titled = (title: string) => ({ id: randomUUID(), type: 'Titled', data: { title } });
  /** `rounds` times, 3 events to each of 5 streams: the streams interleave in the log. */
  const fill = async (rounds: number): Promise<number> => {
    let position = 0;
    for (let r = 0; r < rounds; r++) {
      for (let s = 0; s < 5; s++) {
        position = (await f.store.append(`thing-${s}`, [titled(`${r}a`), titled(`${r}b`), titled(`${r}c`)])).position;
      }
    }
    return position;
  };
  const readLog = async (): Promise<RecordedEvent[]> => {
    const all: RecordedEvent[] = [];
    for (let page = await f.store.readAll({ maxCount: 1000 }); page.length > 0;) {
      all.push(...page);
      page = await f.store.readAll({ after: page[page.length - 1].position, maxCount: 1000 });
    }
    return all;
  };
  /** Events per stream in the log, but those at `skipped`. */
  const expectedCounts = async (skipped: number[] = []) => {
    const counts = new Map<string, number>();
    for (const e of await readLog()) {
      if (!skipped.includes(e.position)) counts.set(e.streamId, (counts.get(e.streamId) ?? 0) + 1);
    }
    return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([stream, n]) => ({ stream, n }));
  };
  const served = async (runner: ProjectionRunner, name: string) => {
    const table = Object.values(await runner.tables(name))[0];
    const rows = await f.db.query<{ stream: string; n: number }>(`SELECT stream, n FROM "${table}" ORDER BY stream`);
    return rows.map((r) => ({ stream: r.stream, n: Number(r.n) }));
  };
  const statusOf = async (runner: ProjectionRunner, name: string): Promise<ProjectionStatus> =>
    (await runner.status()).find((s) => s.name === name)!;
  const expectedFailure = () => ({
    position: poison.position,
    eventId: poison.id,
    type: 'Titled',
    error: expect.stringMatching(f.poison.error),
    since: expect.any(String),
  });

  it('stops only the projection that fails, just before the event, on record for every process; a recorded skip lets it pass', async () => {
    const errors: string[] = [];
    const live = new ProjectionRunner(f.store, f.db, [counter, titles(false)], {
      batchSize: 100,
      retryMs: 10,
      maxRetryMs: 50,
      onError: (name, error) => errors.push(`${name}: ${(error as Error).message}`),
    });
    await live.start();
    const head = (await readLog()).at(-1)!.position;
    expect(await live.waitFor('counter', head, 20000)).toBe(true);
    await until(async () => (await statusOf(live, 'titles')).state === 'failed', 'titles to fail');
    expect(await live.status()).toEqual([
      { name: 'counter', version: 1, generation: 1, checkpoint: head, state: 'live', rebuild: null, retiring: [] },
      {
        name: 'titles',
        version: 1,
        generation: 1,
        checkpoint: before,
        state: 'failed',
        failure: expectedFailure(),
        rebuild: null,
        retiring: [],
      },
    ]);
    // Everything before the event is served; counter took every event.
    expect(await served(live, 'titles')).toEqual(
      await expectedCounts((await readLog()).filter((e) => e.position >= poison.position).map((e) => e.position)),
    );
    expect(await served(live, 'counter')).toEqual(await expectedCounts());

    // It tries again now and then, alone, and stays where it is; the failure keeps its first instant.
    const since = (await statusOf(live, 'titles')).failure!.since;
    await until(() => errors.length >= 3, 'titles to try again');
    expect(errors.every((e) => e.startsWith(`titles: titles failed on event ${poison.position} (Titled`))).toBe(true);
    expect((await statusOf(live, 'titles')).failure!.since).toBe(since);

    // Another process (the CLI, an API with workers off) reads the same state from the database.
    const other = new ProjectionRunner(f.store, f.connect(), [counter, titles(false)]);
    expect(await statusOf(other, 'titles')).toMatchObject({ state: 'failed', checkpoint: before, failure: { since } });

    // The other projections go on with new events.
    const later = await fill(2);
    expect(await live.waitFor('counter', later, 20000)).toBe(true);
    expect(await live.checkpoint('titles')).toBe(before);

    await expect(
      other.skip('titles', { position: poison.position + 1, reason: 'no', by: 'ops' }),
    ).rejects.toMatchObject({ code: 'NOT_FAILED_THERE' });
    await expect(other.skip('titles', { position: later + 1, reason: 'no', by: 'ops' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    // Recorded by the other process: the live runner takes it at its next try, and goes on to the end.
    const skip = await other.skip('titles', { position: poison.position, reason: 'a test event', by: 'ops@example' });
    expect(skip).toEqual({
      projection: 'titles',
      position: poison.position,
      eventId: poison.id,
      type: 'Titled',
      reason: 'a test event',
      by: 'ops@example',
      at: expect.any(String),
    });
    expect(await live.waitFor('titles', later, 20000)).toBe(true);
    expect(await statusOf(live, 'titles')).toEqual({
      name: 'titles',
      version: 1,
      generation: 1,
      checkpoint: later,
      state: 'live',
      rebuild: null,
      retiring: [],
    });
    expect(await statusOf(other, 'titles')).toMatchObject({ state: 'live', checkpoint: later });
    expect(await other.failures.all()).toEqual(new Map());
    expect(await served(live, 'titles')).toEqual(await expectedCounts([poison.position]));
    expect(await other.skips()).toEqual([skip]);
    await live.stop();

    // A rebuild skips it too.
    await other.rebuild('titles');
    expect(await served(other, 'titles')).toEqual(await expectedCounts([poison.position]));
  });

  it('recovers by a rebuild with the code fixed: a rebuild with it still broken stops there and says so', async () => {
    const broken = new ProjectionRunner(f.store, f.db, [counter, titles(false)], {
      batchSize: 100,
      retryMs: 10,
      maxRetryMs: 50,
    });
    await broken.start();
    const head = (await readLog()).at(-1)!.position;
    expect(await broken.waitFor('counter', head, 20000)).toBe(true);
    await until(async () => (await statusOf(broken, 'titles')).state === 'failed', 'titles to fail');
    await broken.stop();

    // The CLI rebuilds both, with the code as it is: counter is swapped in, titles stops on the event.
    const cli = new ProjectionRunner(f.store, f.connect(), [counter, titles(false)], { buildBatchSize: 100 });
    const stopped = await cli.rebuild(['counter', 'titles']).catch((error: unknown) => error);
    expect(stopped).toBeInstanceOf(RebuildFailedError);
    expect((stopped as RebuildFailedError).failures).toEqual([{ projection: 'titles', failure: expectedFailure() }]);
    expect(await cli.status()).toEqual([
      { name: 'counter', version: 1, generation: 2, checkpoint: head, state: 'live', rebuild: null, retiring: [] },
      {
        name: 'titles',
        version: 1,
        generation: 1,
        checkpoint: before,
        state: 'failed',
        failure: expectedFailure(),
        rebuild: { version: 1, generation: 2, checkpoint: before, failure: expectedFailure() },
        retiring: [],
      },
    ]);

    // With the code fixed, the rebuild resumes where the build stopped, passes the event and is
    // swapped in: no failure is left, of either generation.
    const fixed = new ProjectionRunner(f.store, f.connect(), [counter, titles(true)], { buildBatchSize: 100 });
    await fixed.rebuild('titles');
    expect(await statusOf(fixed, 'titles')).toEqual({
      name: 'titles',
      version: 1,
      generation: 2,
      checkpoint: head,
      state: 'live',
      rebuild: null,
      retiring: [],
    });
    expect(await fixed.failures.all()).toEqual(new Map());
    expect(await served(fixed, 'titles')).toEqual(await expectedCounts());

    // And it follows the log live from there.
    await fixed.start();
    const later = await fill(1);
    expect(await fixed.waitFor('titles', later, 20000)).toBe(true);
    expect(await served(fixed, 'titles')).toEqual(await expectedCounts());
    await fixed.stop();
  });
}

describe('read models that fail on an event (SQLite)', () => failureSuite(onSqlite));

describeWithPostgres('read models that fail on an event (PostgreSQL)', () => failureSuite(onPostgres));
