import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  DuplicateEventIdError,
  InMemoryEventStore,
  StoreClosedError,
  WrongExpectedRevisionError,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadStreamOptions,
  type RecordedEvent,
} from '@accord/event-store';
import {
  anEvent,
  describeEventStoreConformance,
  readWholeLog,
} from '@accord/event-store/conformance/event-store.conformance';
import { SqliteEventStore } from './sqlite-event-store';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'accord-sqlite-'));
}

describeEventStoreConformance(
  'sqlite',
  async () => {
    const dir = tempDir();
    const store = await SqliteEventStore.open(join(dir, 'events.db'));
    return {
      store,
      dispose: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  { headPosition: true },
);

const many = (n: number): NewEvent[] => Array.from({ length: n }, (_, i) => anEvent('ThingHappened', { i }));
const streamName = (): string => `thing-${randomUUID()}`;

/** Reads `count` events from a subscription; the test's timeout bounds the wait. */
async function take(iterable: AsyncIterable<RecordedEvent>, count: number): Promise<RecordedEvent[]> {
  const taken: RecordedEvent[] = [];
  const iterator = iterable[Symbol.asyncIterator]();
  while (taken.length < count) {
    const next = await iterator.next();
    if (next.done) break;
    taken.push(next.value);
  }
  return taken;
}

describe('SqliteEventStore', () => {
  let dir: string;
  let file: string;
  const open: SqliteEventStore[] = [];
  const openStore = async (options?: Parameters<typeof SqliteEventStore.open>[1]): Promise<SqliteEventStore> => {
    const store = await SqliteEventStore.open(file, options);
    open.push(store);
    return store;
  };

  beforeEach(() => {
    dir = tempDir();
    file = join(dir, 'nested', 'folder', 'events.db');
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  describe('file', () => {
    it('creates its folder, uses WAL with synchronous=FULL and records the schema version', async () => {
      const store = await openStore();
      await store.close();
      expect(existsSync(file)).toBe(true);
      const db = new Database(file, { readonly: true });
      try {
        expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
        expect(db.pragma('user_version', { simple: true })).toBe(1);
        const columns = (db.pragma('table_info(events)') as Array<{ name: string }>).map((c) => c.name);
        expect(columns).toEqual([
          'position',
          'stream_id',
          'revision',
          'id',
          'type',
          'schema_version',
          'data',
          'metadata',
          'recorded_at',
        ]);
      } finally {
        db.close();
      }
      // synchronous is per connection: check the store's own.
      const again = await openStore();
      const db2 = (again as unknown as { db: Database.Database }).db;
      expect(db2.pragma('synchronous', { simple: true })).toBe(2); // FULL
    });

    it('refuses a file written by a newer schema', async () => {
      await (await openStore()).close();
      const db = new Database(file);
      db.pragma('user_version = 99');
      db.close();
      await expect(SqliteEventStore.open(file)).rejects.toThrow(/schema version 99 is newer/);
    });

    it('sees the same events after being closed and reopened', async () => {
      const store = await openStore();
      const stream = streamName();
      await store.append(stream, many(3));
      await store.append(streamName(), [anEvent('Other', { text: 'é ⇄ 🛂' }, { actor: { id: 'x' } })]);
      const before = await readWholeLog(store);
      await store.close();

      const reopened = await openStore();
      expect(await readWholeLog(reopened)).toEqual(before);
      const next = await reopened.append(stream, many(1), { expectedRevision: 2 });
      expect(next.revision).toBe(3);
      expect(next.position).toBeGreaterThan(before[before.length - 1].position);
    });

    it('opens an in-memory database too', async () => {
      const store = await SqliteEventStore.open(':memory:');
      await store.append(streamName(), many(2));
      expect(await store.readAll()).toHaveLength(2);
      await store.close();
    });
  });

  describe('group commit', () => {
    it('commits 64 concurrent appends to different streams in one transaction', async () => {
      const store = await openStore();
      const before = store.stats.commits;
      const results = await Promise.all(Array.from({ length: 64 }, () => store.append(streamName(), many(1))));
      expect(results.every((r) => !r.idempotent && r.revision === 0)).toBe(true);
      expect(store.stats.commits - before).toBe(1);
      expect(store.stats.largestGroup).toBe(64);
      expect(await readWholeLog(store)).toHaveLength(64);
    });

    it('keeps grouping while writers keep appending as soon as their last append resolves', async () => {
      const store = await openStore();
      const before = store.stats.commits;
      const streams = Array.from({ length: 32 }, () => streamName());
      await Promise.all(
        streams.map(async (stream) => {
          for (let i = 0; i < 10; i++)
            await store.append(stream, many(1), { expectedRevision: i - 1 < 0 ? 'no_stream' : i - 1 });
        }),
      );
      expect(store.stats.appends).toBe(320);
      expect(store.stats.commits - before).toBeLessThanOrEqual(20);
    });

    it('fails only the appends whose own check fails, and lets later appends in the group see earlier ones', async () => {
      const store = await openStore();
      const taken = anEvent();
      const other = streamName();
      await store.append(other, [taken]);
      const commitsBefore = store.stats.commits;

      const s1 = streamName();
      const s2 = streamName();
      const repeated = many(2);
      const outcomes = await Promise.allSettled([
        store.append(s1, repeated, { expectedRevision: 'no_stream' }), // ok: 0..1
        store.append(s2, many(1), { expectedRevision: 5 }), // wrong revision
        store.append(s1, many(1), { expectedRevision: 1 }), // ok, sees the first: 2
        store.append(s1, [anEvent(), taken]), // duplicate id: nothing of it written
        store.append(s1, many(1), { expectedRevision: 1 }), // stale after the third
        store.append(s1, repeated, { expectedRevision: 'no_stream' }), // idempotent repeat of the first
        store.append(s2, many(1), { expectedRevision: 'no_stream' }), // ok: 0
      ]);
      expect(store.stats.commits - commitsBefore).toBe(1);

      const [a, b, c, d, e, f, g] = outcomes;
      expect(a).toMatchObject({ status: 'fulfilled', value: { revision: 1, idempotent: false } });
      expect(b).toMatchObject({ status: 'rejected', reason: { code: 'WRONG_EXPECTED_REVISION', actual: 'no_stream' } });
      expect(c).toMatchObject({ status: 'fulfilled', value: { revision: 2 } });
      expect(d.status === 'rejected' && d.reason).toBeInstanceOf(DuplicateEventIdError);
      expect(d).toMatchObject({ reason: { eventId: taken.id } });
      expect(e.status === 'rejected' && e.reason).toBeInstanceOf(WrongExpectedRevisionError);
      expect(e).toMatchObject({ reason: { actual: 2 } });
      expect(f).toMatchObject({ status: 'fulfilled', value: { idempotent: true, revision: 1 } });
      expect(g).toMatchObject({ status: 'fulfilled', value: { revision: 0 } });

      expect((await store.readStream(s1)).map((ev) => ev.revision)).toEqual([0, 1, 2]);
      expect(await store.readStream(s2)).toHaveLength(1);
      const log = await readWholeLog(store);
      expect(log).toHaveLength(5);
      for (let i = 1; i < log.length; i++) expect(log[i].position).toBeGreaterThan(log[i - 1].position);
    });

    it('matches ids without regard to case, as the in-memory store does', async () => {
      const store = await openStore();
      const stream = streamName();
      const event = anEvent();
      await store.append(stream, [event]);
      const again = await store.append(stream, [{ ...event, id: event.id.toUpperCase() }]);
      expect(again.idempotent).toBe(true);
      await expect(store.append(streamName(), [{ ...event, id: event.id.toUpperCase() }])).rejects.toBeInstanceOf(
        DuplicateEventIdError,
      );
    });

    it('returns what was recorded, not the caller’s objects', async () => {
      const store = await openStore();
      const data = { when: new Date('2025-01-02T03:04:05.000Z'), list: [1] };
      const result = await store.append(streamName(), [anEvent('Dated', data)]);
      data.list.push(2);
      expect(result.events[0].data).toEqual({ when: '2025-01-02T03:04:05.000Z', list: [1] });
      expect((await store.readAll())[0].data).toEqual(result.events[0].data);
    });
  });

  describe('closing', () => {
    it('commits queued appends, then refuses appends and reads, and stops subscriptions', async () => {
      const store = await openStore();
      const stream = streamName();
      const subscription = store.subscribe();
      const pending = subscription[Symbol.asyncIterator]().next();
      const queued = store.append(stream, many(2));
      await store.close();
      await expect(queued).resolves.toMatchObject({ revision: 1 });
      await expect(store.append(stream, many(1))).rejects.toBeInstanceOf(StoreClosedError);
      await expect(store.readAll()).rejects.toBeInstanceOf(StoreClosedError);
      expect(() => store.subscribe()).toThrow(StoreClosedError);
      expect(subscription.stopped).toBe(true);
      // The pending next() either got the event or ended: never hangs.
      await pending;
      expect(store.resources).toEqual({ subscriptions: 0, waiting: 0 });

      const reopened = await openStore();
      expect(await reopened.readStream(stream)).toHaveLength(2);
    });
  });

  describe('a log cut under a running store', () => {
    it('waits, without spinning, when its last events are deleted behind its back, and delivers the next append', async () => {
      const store = await openStore({ pollIntervalMs: 50 });
      const stream = streamName();
      await store.append(stream, many(5));
      // What someone with the file could do: the last three events go; the store still knows
      // its head is at position 5, and a follower resumes after position 2.
      const raw = new Database(file);
      raw.prepare('DELETE FROM events WHERE position > 2').run();
      raw.close();
      const subscription = store.subscribe({ after: 2 });
      const iterator = subscription[Symbol.asyncIterator]();
      const reads = jest.spyOn(store as unknown as { readPage: (a: number, m: number) => unknown }, 'readPage');
      const next = iterator.next();
      // A loop that never waits would read the empty page again on each of these turns, and no
      // timer of the process would ever fire again.
      for (let turn = 0; turn < 2000; turn++) await Promise.resolve();
      expect(reads.mock.calls.length).toBeLessThan(5);
      await store.append(streamName(), many(1));
      expect((await next).value).toMatchObject({ type: 'ThingHappened' });
      await subscription.stop();
    });
  });

  describe('two instances on one file (a second process)', () => {
    it('delivers appends made through one instance to a subscription on the other, by polling', async () => {
      const a = await openStore();
      const b = await openStore({ pollIntervalMs: 20 });
      await a.append(streamName(), many(3));
      const subscription = b.subscribe();
      const received = take(subscription, 3 + 10);
      const stream = streamName();
      for (let i = 0; i < 5; i++) await a.append(stream, many(2));
      const events = await received;
      await subscription.stop();
      expect(events.map((e) => e.id)).toEqual((await readWholeLog(a)).map((e) => e.id));
      expect(b.resources).toEqual({ subscriptions: 0, waiting: 0 });
    });

    it('keeps revisions gap-free and positions increasing when both instances append to the same streams', async () => {
      const a = await openStore();
      const b = await openStore();
      const streams = [streamName(), streamName(), streamName()];
      const writer = async (store: SqliteEventStore, n: number, checked: boolean): Promise<number> => {
        let conflicts = 0;
        for (let i = 0; i < n; i++) {
          const stream = streams[i % streams.length];
          if (!checked) {
            await store.append(stream, many(1 + (i % 3)));
            continue;
          }
          for (;;) {
            const last = (await store.readStream(stream, { direction: 'backwards', maxCount: 1 }))[0];
            try {
              await store.append(stream, many(1 + (i % 2)), { expectedRevision: last ? last.revision : 'no_stream' });
              break;
            } catch (error) {
              if (!(error instanceof WrongExpectedRevisionError)) throw error;
              conflicts++;
            }
          }
        }
        return conflicts;
      };
      await Promise.all([writer(a, 60, false), writer(b, 60, false), writer(a, 40, true), writer(b, 40, true)]);

      for (const reader of [a, b]) {
        const log = await readWholeLog(reader);
        // Unchecked writers: 60 batches of 1-3 events (120); checked ones: 40 batches of 1-2 (60).
        expect(log).toHaveLength(2 * 120 + 2 * 60);
        for (let i = 1; i < log.length; i++) expect(log[i].position).toBeGreaterThan(log[i - 1].position);
        for (const stream of streams) {
          const events = await reader.readStream(stream);
          expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
        }
      }
    });

    it('sees a stream revision written by the other instance when checking an expected revision', async () => {
      const a = await openStore();
      const b = await openStore();
      const stream = streamName();
      await a.append(stream, many(2));
      await expect(b.append(stream, many(1), { expectedRevision: 'no_stream' })).rejects.toMatchObject({ actual: 1 });
      expect((await b.append(stream, many(1), { expectedRevision: 1 })).revision).toBe(2);
      await expect(a.append(stream, many(1), { expectedRevision: 1 })).rejects.toMatchObject({ actual: 2 });
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
    /** What a caller can observe of an outcome, minus the commit instant. */
    const observe = (outcome: PromiseSettledResult<unknown>): unknown => {
      if (outcome.status === 'rejected') {
        const { name, message, ...fields } = outcome.reason as Error & Record<string, unknown>;
        return { error: name, message, ...fields };
      }
      return JSON.parse(JSON.stringify(outcome.value), (key, value) => (key === 'recordedAt' ? 'at' : value));
    };

    it.each([1, 2, 3, 4, 5])(
      'gives the same results, errors and reads for random operations (seed %i)',
      async (seed) => {
        const random = seeded(seed);
        const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
        const streams = ['thing-a', 'thing-b', 'thing-c', 'other-d'];
        const batches: Array<{ stream: string; events: NewEvent[] }> = [];
        const expectations: ExpectedRevision[] = ['any', 'no_stream', 'stream_exists', 0, 1, 2, 3, 5];
        const nextAppend = (): { stream: string; events: NewEvent[]; expected: ExpectedRevision } => {
          const stream = pick(streams);
          const expected = pick(expectations);
          const earlier = batches.length > 0 ? pick(batches) : undefined;
          const roll = random();
          let events: NewEvent[];
          if (earlier && roll < 0.25)
            events = earlier.events; // a repeat, maybe to another stream
          else if (earlier && roll < 0.3)
            events = [earlier.events[0], anEvent()]; // a partial repeat
          else if (earlier && roll < 0.35)
            events = [anEvent(), pick(earlier.events)]; // an id taken later in the batch
          else if (roll < 0.38) events = [{ id: 'not-a-uuid', type: 'Bad', data: {} }];
          else events = many(1 + Math.floor(random() * 3));
          return { stream: earlier && roll < 0.2 ? earlier.stream : stream, events, expected };
        };
        const readOptions = (): ReadStreamOptions => ({
          direction: pick(['forwards', 'backwards', undefined] as const),
          fromRevision: pick([undefined, -1, 0, 1, 2.5, 4, 9]),
          maxCount: pick([undefined, 0, 1, 2, 2.5, 5, Infinity]),
        });

        const reference = new InMemoryEventStore();
        const store = await openStore();
        const both: EventStore[] = [reference, store];
        const observed: unknown[][] = [[], []];
        for (let round = 0; round < 40; round++) {
          // Several appends at once: one group for SQLite, in call order for both stores.
          const appends = Array.from({ length: 1 + Math.floor(random() * 6) }, nextAppend);
          for (const [i, target] of both.entries()) {
            const outcomes = await Promise.allSettled(
              appends.map((a) => target.append(a.stream, a.events, { expectedRevision: a.expected })),
            );
            observed[i].push(...outcomes.map(observe));
          }
          for (const a of appends) batches.push({ stream: a.stream, events: a.events });
          const reads = [
            ...streams.map((s) => ({ stream: s, options: readOptions() })),
            { all: { after: pick([0, 1, 2.7, 7, 20]), maxCount: pick([undefined, 0, 1, 3, 2.5, Infinity]) } },
          ];
          for (const [i, target] of both.entries()) {
            for (const read of reads) {
              const outcome = await Promise.allSettled([
                'all' in read ? target.readAll(read.all) : target.readStream(read.stream, read.options),
              ]);
              observed[i].push(observe(outcome[0]));
            }
          }
        }
        expect(observed[1]).toEqual(observed[0]);
        expect(JSON.stringify(observed[0])).toMatch(/WrongExpectedRevisionError/);
        expect(JSON.stringify(observed[0])).toMatch(/DuplicateEventIdError/);
        expect(JSON.stringify(observed[0])).toMatch(/"idempotent":true/);
        await reference.close();
      },
    );
  });
});
