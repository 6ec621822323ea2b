import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import {
  DuplicateEventIdError,
  InMemoryEventStore,
  WrongExpectedRevisionError,
  type ExpectedRevision,
  type NewEvent,
  type RecordedEvent,
  type Subscription,
} from '@accord/event-store';
import {
  anEvent,
  describeEventStoreConformance,
  readWholeLog,
  until,
} from '@accord/event-store/conformance/event-store.conformance';
import { PostgresEventStore, type PostgresEventStoreOptions } from './postgres-event-store';
import { MIGRATIONS, quoteIdentifier } from './postgres-schema';
import { TEST_PG_URL, describeWithPostgres, dropTestSchema, testSchemaName } from './testing/postgres-test-database';

const streamName = (category = 'thing'): string => `${category}-${randomUUID()}`;

/** Runs `body` with a raw connection to the test database. */
async function withClient<T>(body: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

/** Collects what a subscription delivers, in the background, until stopped. */
function follow(subscription: Subscription): { received: RecordedEvent[]; done: Promise<void> } {
  const received: RecordedEvent[] = [];
  const done = (async () => {
    for await (const event of subscription) received.push(event);
  })();
  return { received, done };
}

/** Asserts that `received` is exactly the log: every event once, in position order. */
function expectExactlyTheLog(received: readonly RecordedEvent[], log: readonly RecordedEvent[]): void {
  for (let i = 1; i < received.length; i++) expect(received[i].position).toBeGreaterThan(received[i - 1].position);
  expect(new Set(received.map((e) => e.id)).size).toBe(received.length);
  expect(received.map((e) => `${e.position}:${e.id}`)).toEqual(log.map((e) => `${e.position}:${e.id}`));
}

describeWithPostgres('PostgresEventStore', () => {
  describeEventStoreConformance(
    'postgres',
    async () => {
      const schema = testSchemaName();
      const store = await PostgresEventStore.open(TEST_PG_URL, { schema });
      return {
        store,
        dispose: async () => {
          await store.close();
          await dropTestSchema(schema);
        },
      };
    },
    { headPosition: true },
  );

  /** Stores opened in one test, on the test's own schema, closed and dropped after it. */
  let schema: string;
  let opened: PostgresEventStore[];
  const openStore = async (options: PostgresEventStoreOptions = {}): Promise<PostgresEventStore> => {
    const store = await PostgresEventStore.open(TEST_PG_URL, { schema, ...options });
    opened.push(store);
    return store;
  };
  /** A writer that bypasses the store: revision 1 exists, the streams table still says 0. */
  const writeRevisionBehindTheStore = (stream: string) =>
    withClient((client) =>
      client.query(
        `INSERT INTO ${quoteIdentifier(schema)}.events
         (position, stream_id, revision, id, type, schema_version, data, metadata, recorded_at)
         VALUES (1000000, $1, 1, $2, 'Rogue', 1, '{}', '{}', now())`,
        [stream, randomUUID()],
      ),
    );
  beforeEach(() => {
    schema = testSchemaName();
    opened = [];
  });
  afterEach(async () => {
    await Promise.all(opened.map((store) => store.close()));
    await dropTestSchema(schema);
  });

  describe('migrations', () => {
    const appliedVersions = (): Promise<number[]> =>
      withClient(async (client) => {
        const { rows } = await client.query<{ version: number }>(
          `SELECT version FROM ${quoteIdentifier(schema)}.event_store_migrations ORDER BY version`,
        );
        return rows.map((row) => row.version);
      });

    it('creates the schema on first open and applies nothing again on reopen', async () => {
      const first = await openStore();
      const stream = streamName();
      const written = await first.append(stream, [anEvent(), anEvent()]);
      await first.close();
      expect(await appliedVersions()).toEqual(MIGRATIONS.map((_, i) => i + 1));

      const second = await openStore();
      expect(await appliedVersions()).toEqual(MIGRATIONS.map((_, i) => i + 1));
      expect(await second.readStream(stream)).toEqual(written.events);
      const next = await second.append(stream, [anEvent()], { expectedRevision: 1 });
      expect(next.position).toBeGreaterThan(written.position);
    });

    it('lets several stores start at once on a fresh schema', async () => {
      const stores = await Promise.all(Array.from({ length: 4 }, () => openStore()));
      expect(await appliedVersions()).toEqual(MIGRATIONS.map((_, i) => i + 1));
      const stream = streamName();
      for (const [i, store] of stores.entries()) {
        await store.append(stream, [anEvent()], { expectedRevision: i === 0 ? 'no_stream' : i - 1 });
      }
      expect(await stores[3].readStream(stream)).toHaveLength(4);
    });

    it('refuses a schema migrated by a newer accord', async () => {
      await (await openStore()).close();
      await withClient((client) =>
        client.query(`INSERT INTO ${quoteIdentifier(schema)}.event_store_migrations (version) VALUES (999)`),
      );
      await expect(PostgresEventStore.open(TEST_PG_URL, { schema })).rejects.toThrow(/version 999, newer/);
    });

    it('keeps every store in its own schema', async () => {
      const here = await openStore();
      const elsewhere = testSchemaName();
      const there = await PostgresEventStore.open(TEST_PG_URL, { schema: elsewhere });
      try {
        await here.append(streamName(), [anEvent()]);
        expect(await there.readAll()).toEqual([]);
      } finally {
        await there.close();
        await dropTestSchema(elsewhere);
      }
    });
  });

  describe('global order', () => {
    it('shows the trap: with a plain sequence, a follower of position > last skips a late commit', async () => {
      // The naive design this store avoids, on the same server, so that the tests below mean something.
      await (await openStore()).close();
      const table = `${quoteIdentifier(schema)}.naive_log`;
      await withClient((client) => client.query(`CREATE TABLE ${table} (position bigserial PRIMARY KEY, note text)`));
      const early = new Client({ connectionString: TEST_PG_URL });
      await early.connect();
      try {
        await early.query('BEGIN');
        await early.query(`INSERT INTO ${table} (note) VALUES ('early')`); // takes position 1, not yet committed
        await withClient((client) => client.query(`INSERT INTO ${table} (note) VALUES ('late')`)); // 2, committed
        const seen = await withClient(async (client) => {
          const first = await client.query(`SELECT position::int, note FROM ${table} WHERE position > 0`);
          await early.query('COMMIT');
          const last = first.rows[first.rows.length - 1].position;
          const second = await client.query(`SELECT position::int, note FROM ${table} WHERE position > $1`, [last]);
          return [...first.rows, ...second.rows].map((row) => row.note);
        });
        expect(seen).toEqual(['late']); // 'early' was skipped for good
      } finally {
        await early.end();
      }
    });

    it('holds a later append back until an earlier one that took its positions commits', async () => {
      const writerA = await openStore();
      const writerB = await openStore();
      const follower = await openStore({ pollIntervalMs: 20 });
      const gate = await installGate(schema);
      const { received, done } = follow(follower.subscribe());
      try {
        const gated = writerA.append(streamName(), [anEvent('Gated')]);
        await gate.stalled();
        let laterDone = false;
        const later = writerB.append(streamName(), [anEvent('Plain')]).finally(() => (laterDone = true));
        await new Promise((resolve) => setTimeout(resolve, 300));
        // A naive store would have committed the later append by now, and the follower
        // would have moved past the gated one's position.
        expect(laterDone).toBe(false);
        expect(received).toEqual([]);
        expect(await follower.readAll()).toEqual([]);

        await gate.open();
        const [a, b] = await Promise.all([gated, later]);
        expect(b.position).toBeGreaterThan(a.position);
        await until(() => received.length === 2, 'both events to be delivered');
        expect(received.map((e) => e.type)).toEqual(['Gated', 'Plain']);
      } finally {
        await gate.close();
        await follower.close();
        await done;
      }
    });

    it('delivers every event exactly once and in order while 8 connections commit concurrently', async () => {
      const writers = await Promise.all(Array.from({ length: 8 }, () => openStore({ maxConnections: 2 })));
      const reader = await openStore();
      // A fifth of the appends linger 2-12 ms between taking their positions and committing:
      // under a plain sequence that is exactly when a follower skips events.
      await withClient(async (client) => {
        await client.query(`CREATE FUNCTION ${quoteIdentifier(schema)}.linger() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN PERFORM pg_sleep(0.002 + random() * 0.01); RETURN NULL; END $$`);
        await client.query(`CREATE TRIGGER linger AFTER INSERT ON ${quoteIdentifier(schema)}.events
          FOR EACH ROW WHEN (NEW.type = 'Lingered') EXECUTE FUNCTION ${quoteIdentifier(schema)}.linger()`);
      });

      const fromStart = follow(reader.subscribe({ after: 0 }));
      const streams = Array.from({ length: 50 }, () => streamName());
      const deadline = Date.now() + 3000;
      let appends = 0;
      let conflicts = 0;
      let midway: ReturnType<typeof follow> | undefined;
      const loop = async (store: PostgresEventStore, seed: number): Promise<void> => {
        // For 3 s, and past the 300 appends the midway follower waits for on a slow machine.
        for (let i = seed; Date.now() < deadline || appends <= 400; i += 7) {
          const stream = streams[(i * 31 + seed) % streams.length];
          const events = Array.from({ length: 1 + (i % 3) }, () => anEvent(i % 5 === 0 ? 'Lingered' : 'Appended'));
          if (i % 4 === 0) {
            // Checked appends race each other on the same streams.
            const [last] = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
            try {
              await store.append(stream, events, { expectedRevision: last ? last.revision : 'no_stream' });
            } catch (error) {
              if (!(error instanceof WrongExpectedRevisionError)) throw error;
              conflicts++;
              continue;
            }
          } else {
            await store.append(stream, events);
          }
          appends++;
          // A second follower joins midway and catches up while the writers keep going.
          if (!midway && appends > 300) midway = follow(reader.subscribe({ after: 0 }));
        }
      };
      await Promise.all(writers.flatMap((store, w) => [loop(store, w * 2), loop(store, w * 2 + 1)]));

      const log = await readWholeLog(reader);
      const head = log[log.length - 1].position;
      for (const follower of [fromStart, midway]) {
        if (!follower) throw new Error('the midway follower never started');
        await until(
          () => follower.received.length >= log.length || follower.received.at(-1)?.position === head,
          'the follower to reach the head of the log',
        );
      }
      await reader.close();
      await Promise.all([fromStart.done, midway?.done]);

      expect(appends).toBeGreaterThan(200);
      expect(conflicts).toBeGreaterThan(0);
      expectExactlyTheLog(fromStart.received, log);
      expectExactlyTheLog(midway?.received ?? [], log);
      for (let i = 1; i < log.length; i++) expect(log[i].position).toBe(log[i - 1].position + 1);
      for (const stream of streams) {
        const events = await writers[0].readStream(stream);
        expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
      }
    }, 60000);
  });

  describe('group commit', () => {
    /** Settles appends made in one turn of the event loop, hence sent as one group. */
    const together = (...appends: Array<() => Promise<unknown>>): Promise<PromiseSettledResult<unknown>[]> =>
      Promise.allSettled(appends.map((append) => append()));
    const value = <T>(outcome: PromiseSettledResult<unknown>): T => {
      if (outcome.status === 'rejected') throw outcome.reason;
      return outcome.value as T;
    };
    const reason = (outcome: PromiseSettledResult<unknown>): unknown =>
      outcome.status === 'rejected' ? outcome.reason : new Error('the append succeeded');
    type Appended = Awaited<ReturnType<PostgresEventStore['append']>>;

    it('writes appends that arrive together in one commit, gap-free and notified', async () => {
      const writer = await openStore();
      const follower = await openStore({ pollIntervalMs: 60000 });
      const subscription = follower.subscribe();
      const { received, done } = follow(subscription);
      await until(() => withClient(async (c) => (await listeners(c, schema)) === 1), 'the follower to listen');
      await writer.append(streamName(), [anEvent()]);
      const before = writer.stats;

      const outcomes = await together(
        ...Array.from({ length: 20 }, (_, i) => () => writer.append(streamName(), [anEvent(), anEvent()].slice(i % 2))),
      );
      expect(writer.stats.commits).toBe(before.commits + 1);
      expect(writer.stats.largestGroup).toBe(20);
      const results = outcomes.map((outcome) => value<Appended>(outcome));
      const log = await readWholeLog(writer);
      expect(results.flatMap((r) => r.events)).toEqual(log.slice(1));
      for (let i = 1; i < log.length; i++) expect(log[i].position).toBe(log[i - 1].position + 1);
      expect(new Set(log.slice(1).map((e) => e.recordedAt)).size).toBe(1);
      // One NOTIFY for the group wakes the follower long before its poll.
      await until(() => received.length === log.length, 'the whole group, notified', 5000);
      expectExactlyTheLog(received, log);
      await subscription.stop();
      await done;
    });

    it('fails only the append whose expected revision does not hold', async () => {
      const store = await openStore();
      const stream = streamName();
      await store.append(stream, [anEvent()]);
      const [first, wrong, last] = await together(
        () => store.append(streamName(), [anEvent()], { expectedRevision: 'no_stream' }),
        () => store.append(stream, [anEvent('Late')], { expectedRevision: 5 }),
        () => store.append(streamName(), [anEvent()], { expectedRevision: 'no_stream' }),
      );
      expect(reason(wrong)).toBeInstanceOf(WrongExpectedRevisionError);
      expect(reason(wrong)).toMatchObject({ streamId: stream, expected: 5, actual: 0 });
      const written = [value<Appended>(first), value<Appended>(last)];
      expect(written[1].position).toBe(written[0].position + 1);
      expect(store.stats.largestGroup).toBe(3);
      expect(await store.readStream(stream)).toHaveLength(1);
      expect((await readWholeLog(store)).map((e) => e.type)).not.toContain('Late');
    });

    it('checks each append against the ones before it in the group, in call order', async () => {
      const store = await openStore();
      const stream = streamName();
      const [a, b, c, stale, d] = await together(
        () => store.append(stream, [anEvent('A')], { expectedRevision: 'no_stream' }),
        () => store.append(stream, [anEvent('B'), anEvent('B')], { expectedRevision: 0 }),
        () => store.append(stream, [anEvent('C')], { expectedRevision: 'stream_exists' }),
        () => store.append(stream, [anEvent('Stale')], { expectedRevision: 0 }),
        () => store.append(stream, [anEvent('D')], { expectedRevision: 3 }),
      );
      expect(reason(stale)).toMatchObject({ expected: 0, actual: 3 });
      const results = [a, b, c, d].map((outcome) => value<Appended>(outcome));
      expect(results.map((r) => r.revision)).toEqual([0, 2, 3, 4]);
      const events = await store.readStream(stream);
      expect(events.map((e) => e.type)).toEqual(['A', 'B', 'B', 'C', 'D']);
      expect(events.map((e) => e.position)).toEqual(events.map((_, i) => events[0].position + i));
      expect(store.stats.commits).toBe(1);
    });

    it('sorts out ids repeated within a group as if the appends came one by one', async () => {
      const store = await openStore();
      const recorded = anEvent('Recorded');
      await store.append(streamName(), [recorded]);
      const shared = anEvent('Shared');
      const batch = [anEvent('Batch'), anEvent('Batch')];
      const batchStream = streamName();
      const leftOut = anEvent('LeftOut');
      const [owner, thief, original, repeat, reused, revisionFirst, taker] = await together(
        () => store.append(streamName(), [shared]),
        () => store.append(streamName(), [anEvent(), shared]),
        () => store.append(batchStream, batch),
        () => store.append(batchStream, batch, { expectedRevision: 'no_stream' }),
        () => store.append(streamName(), [recorded]),
        // Fails its revision check, so its id is still free for the append after it.
        () => store.append(streamName(), [leftOut], { expectedRevision: 2 }),
        () => store.append(streamName(), [leftOut]),
      );
      expect(value<Appended>(owner).events[0].id).toBe(shared.id);
      expect(reason(thief)).toBeInstanceOf(DuplicateEventIdError);
      expect(reason(thief)).toMatchObject({ eventId: shared.id });
      expect(value<Appended>(repeat)).toEqual({ ...value<Appended>(original), idempotent: true });
      expect(reason(reused)).toMatchObject({ eventId: recorded.id });
      expect(reason(reused)).toBeInstanceOf(DuplicateEventIdError);
      expect(reason(revisionFirst)).toBeInstanceOf(WrongExpectedRevisionError);
      expect(reason(revisionFirst)).toMatchObject({ expected: 2, actual: 'no_stream' });
      expect(value<Appended>(taker).events[0].id).toBe(leftOut.id);
      expect(store.stats.commits).toBe(2);
      const log = await readWholeLog(store);
      expect(log.map((e) => e.type)).toEqual(['Recorded', 'Shared', 'Batch', 'Batch', 'LeftOut']);
      for (let i = 1; i < log.length; i++) expect(log[i].position).toBe(log[i - 1].position + 1);
    });

    it('leaves no trace of a new stream whose appends all failed', async () => {
      const store = await openStore();
      const stream = streamName();
      const [failed, other] = await together(
        () => store.append(stream, [anEvent()], { expectedRevision: 3 }),
        () => store.append(streamName(), [anEvent()]),
      );
      expect(reason(failed)).toMatchObject({ expected: 3, actual: 'no_stream' });
      expect(other.status).toBe('fulfilled');
      const rows = await withClient((client) =>
        client.query(`SELECT 1 FROM ${quoteIdentifier(schema)}.streams WHERE stream_id = $1`, [stream]),
      );
      expect(rows.rowCount).toBe(0);
      await expect(store.append(stream, [anEvent()], { expectedRevision: 'no_stream' })).resolves.toMatchObject({
        revision: 0,
      });
    });

    it('retries the appends of a group that failed as a whole one by one, so only the cause fails', async () => {
      const store = await openStore();
      const stream = streamName();
      await store.append(stream, [anEvent()]);
      await writeRevisionBehindTheStore(stream);
      const [before, broken, after] = await together(
        () => store.append(streamName(), [anEvent()]),
        () => store.append(stream, [anEvent()], { expectedRevision: 0 }),
        () => store.append(streamName(), [anEvent()]),
      );
      expect(reason(broken)).toBeInstanceOf(WrongExpectedRevisionError);
      expect(reason(broken)).toMatchObject({ expected: 0, actual: 1 });
      expect(value<Appended>(after).position).toBe(value<Appended>(before).position + 1);
    });

    it('sends a lone append as one statement, its own transaction: one round trip', async () => {
      const store = await openStore({ maxConnections: 1 });
      await store.append(streamName(), [anEvent()]); // connects and sets the session up
      const queries = jest.spyOn(Client.prototype, 'query');
      try {
        await store.append(streamName(), [anEvent()]);
        expect(queries).toHaveBeenCalledTimes(1);
      } finally {
        queries.mockRestore();
      }
    });
    it('learns of a recorded id from the unique index, then sends the group again with the lookup', async () => {
      const store = await openStore({ maxConnections: 1 });
      const stream = streamName();
      const first = await store.append(stream, [anEvent(), anEvent()]);
      const queries = jest.spyOn(Client.prototype, 'query');
      try {
        const repeat = await store.append(stream, first.events, { expectedRevision: 'any' });
        expect(repeat).toEqual({ ...first, idempotent: true });
        expect(queries).toHaveBeenCalledTimes(2);
        await store.append(stream, [anEvent()], { expectedRevision: 1 });
        // The refused statement did not cost the connection: no new session was set up.
        expect(queries).toHaveBeenCalledTimes(3);
        expect(new Set(queries.mock.contexts).size).toBe(1);
      } finally {
        queries.mockRestore();
      }
    });
  });

  describe('unique violations', () => {
    it('reports an id taken by a concurrent append to another stream as a duplicate', async () => {
      const writerA = await openStore();
      const writerB = await openStore();
      const gate = await installGate(schema);
      try {
        const event = anEvent('Gated');
        const first = writerA.append(streamName(), [event]);
        await gate.stalled();
        // B looks the id up while A's insert is uncommitted, so only the unique index stops it.
        const second = writerB.append(streamName(), [{ ...event, type: 'Plain' }]).catch((e: unknown) => e);
        // B is inside its append, held by A's uncommitted transaction.
        await until(
          () => withClient(async (c) => (await lockWaiters(c, schema)) > 0),
          'the second append to wait on a lock',
        );
        await gate.open();
        await expect(first).resolves.toMatchObject({ revision: 0 });
        const error = await second;
        expect(error).toBeInstanceOf(DuplicateEventIdError);
        expect(error).toMatchObject({ eventId: event.id });
        expect(await readWholeLog(writerA)).toHaveLength(1);
      } finally {
        await gate.close();
      }
    });

    it('reports a revision taken behind the stream lock’s back as a wrong expected revision', async () => {
      const store = await openStore();
      const stream = streamName();
      await store.append(stream, [anEvent()]);
      await writeRevisionBehindTheStore(stream);
      const error = await store.append(stream, [anEvent()], { expectedRevision: 0 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      expect(error).toMatchObject({ expected: 0, actual: 1 });
      expect(await store.readStream(stream)).toHaveLength(2);
    });
  });

  describe('parity with the in-memory reference', () => {
    /** mulberry32: a seeded generator, so a failure replays the same operations. */
    const seeded = (seed: number) => (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    /** What a caller can observe of an outcome, minus the commit instant and positions' origin. */
    const observe = (outcome: PromiseSettledResult<unknown>): unknown => {
      if (outcome.status === 'rejected') {
        const { name, message, ...fields } = outcome.reason as Error & Record<string, unknown>;
        return { error: name, message, ...fields };
      }
      return JSON.parse(JSON.stringify(outcome.value), (key, value) => (key === 'recordedAt' ? 'at' : value));
    };

    it.each([1, 2, 3])('gives the same results, errors and reads for random operations (seed %i)', async (seed) => {
      const random = seeded(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
      const streams = ['thing-a', 'thing-b', 'thing-c', 'other-d'];
      const batches: Array<{ stream: string; events: NewEvent[] }> = [];
      const expectations: ExpectedRevision[] = ['any', 'no_stream', 'stream_exists', 0, 1, 2, 3, 5];
      const reference = new InMemoryEventStore();
      const store = await openStore();
      const observed: unknown[][] = [[], []];
      for (let round = 0; round < 120; round++) {
        const earlier = batches.length > 0 ? pick(batches) : undefined;
        const roll = random();
        let events: NewEvent[];
        if (earlier && roll < 0.25) events = earlier.events;
        else if (earlier && roll < 0.3) events = [earlier.events[0], anEvent()];
        else if (earlier && roll < 0.35) events = [anEvent(), pick(earlier.events)];
        else if (earlier && roll < 0.4) events = earlier.events.map((e) => ({ ...e, id: e.id.toUpperCase() }));
        else events = Array.from({ length: 1 + Math.floor(random() * 3) }, () => anEvent());
        const stream = earlier && roll < 0.2 ? earlier.stream : pick(streams);
        const expectedRevision = pick(expectations);
        const readFrom = pick(streams);
        const streamRead = {
          direction: pick(['forwards', 'backwards', undefined] as const),
          fromRevision: pick([undefined, -1, 0, 1, 2.5, 4, 9]),
          maxCount: pick([undefined, 0, 1, 2, 2.5, 5, Infinity]),
        };
        const allRead = { after: pick([0, 1, 2.7, 7, 20, NaN]), maxCount: pick([undefined, 0, 1, 3, 2.5, Infinity]) };
        for (const [i, target] of [reference, store].entries()) {
          observed[i].push(
            ...(await Promise.allSettled([target.append(stream, events, { expectedRevision })])).map(observe),
            ...(await Promise.allSettled([target.readStream(readFrom, streamRead)])).map(observe),
            ...(await Promise.allSettled([target.readAll(allRead)])).map(observe),
          );
        }
        batches.push({ stream, events });
      }
      expect(observed[1]).toEqual(observed[0]);
      expect(JSON.stringify(observed[0])).toMatch(/WrongExpectedRevisionError/);
      expect(JSON.stringify(observed[0])).toMatch(/DuplicateEventIdError/);
      expect(JSON.stringify(observed[0])).toMatch(/"idempotent":true/);
      await reference.close();
    });

    it('returns what was recorded, not the caller’s objects', async () => {
      const store = await openStore();
      const data = { when: new Date('2025-01-02T03:04:05.000Z'), list: [1] };
      const result = await store.append(streamName(), [anEvent('Dated', data)]);
      data.list.push(2);
      expect(result.events[0].data).toEqual({ when: '2025-01-02T03:04:05.000Z', list: [1] });
      expect(await store.readAll()).toEqual(result.events);
    });
  });

  describe('notifications', () => {
    it('wakes a follower on another instance through LISTEN/NOTIFY, long before its poll', async () => {
      const writer = await openStore();
      const follower = await openStore({ pollIntervalMs: 60000 });
      const subscription = follower.subscribe();
      const { received, done } = follow(subscription);
      // The LISTEN connection is opened by the first subscription; give it a moment.
      await until(() => withClient(async (c) => (await listeners(c, schema)) === 1), 'the follower to listen');
      const started = Date.now();
      await writer.append(streamName(), [anEvent()]);
      await until(() => received.length === 1, 'the notified event', 5000);
      expect(Date.now() - started).toBeLessThan(5000);
      await subscription.stop();
      await done;
    });

    it('keeps following after its LISTEN connection is killed, and listens again', async () => {
      const writer = await openStore();
      const follower = await openStore({ pollIntervalMs: 100 });
      const subscription = follower.subscribe();
      const { received, done } = follow(subscription);
      await until(() => withClient(async (c) => (await listeners(c, schema)) === 1), 'the follower to listen');
      await withClient((client) =>
        client.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE query = $1 AND pid <> pg_backend_pid()`,
          [listenQuery(schema)],
        ),
      );
      await writer.append(streamName(), [anEvent()]);
      await until(() => received.length === 1, 'the event, by polling');
      await until(() => withClient(async (c) => (await listeners(c, schema)) === 1), 'the follower to listen again');
      await writer.append(streamName(), [anEvent()]);
      await until(() => received.length === 2, 'the next event');
      await subscription.stop();
      await done;
      expect(follower.resources).toEqual({ subscriptions: 0, waiting: 0 });
    });
  });
});

/**
 * A trigger that stalls the append of a `Gated` event after its positions are taken and
 * before its commit, until `open()`: the window in which a naive store goes wrong.
 */
async function installGate(schema: string): Promise<{
  stalled: () => Promise<void>;
  open: () => Promise<void>;
  close: () => Promise<void>;
}> {
  const key = 1 + Math.floor(Math.random() * 2 ** 30);
  const s = quoteIdentifier(schema);
  const client = new Client({ connectionString: TEST_PG_URL });
  await client.connect();
  await client.query(`CREATE FUNCTION ${s}.gate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_advisory_xact_lock_shared(${key}); RETURN NULL; END $$`);
  await client.query(`CREATE TRIGGER gate AFTER INSERT ON ${s}.events
    FOR EACH ROW WHEN (NEW.type = 'Gated') EXECUTE FUNCTION ${s}.gate()`);
  await client.query('SELECT pg_advisory_lock($1)', [key]);
  let closed = false;
  return {
    stalled: () =>
      until(async () => {
        const { rows } = await client.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND NOT granted",
          [key],
        );
        return rows[0].n === 1;
      }, 'the gated append to stall'),
    open: async () => {
      await client.query('SELECT pg_advisory_unlock($1)', [key]);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await client.end();
    },
  };
}

const listenQuery = (schema: string): string => `LISTEN ${quoteIdentifier(`accord_events.${schema}`)}`;

/** Sessions of this schema's statements that are waiting on a lock. */
async function lockWaiters(client: Client, schema: string): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND position($1 in query) > 0",
    [schema],
  );
  return rows[0].n;
}

async function listeners(client: Client, schema: string): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = $1 AND state = 'idle'",
    [listenQuery(schema)],
  );
  return rows[0].n;
}
