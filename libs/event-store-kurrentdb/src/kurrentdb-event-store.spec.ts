import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { KurrentDBClient, jsonEvent } from '@kurrent/kurrentdb-client';
import {
  DuplicateEventIdError,
  InMemoryEventStore,
  InvalidAppendError,
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
  until,
} from '@accord/event-store/conformance/event-store.conformance';
import { KurrentDbEmulator } from './testing';
import { KurrentDbEventStore, type KurrentDbEventStoreOptions } from './kurrentdb-event-store';
import { KurrentDbError } from './kurrentdb-event-store.errors';
import { ACCORD_METADATA_KEY } from './kurrentdb-mapping';

/** A namespace of its own for each store under test, so that a shared server looks empty to it. */
const freshNamespace = (): string => `test_${randomUUID().replace(/-/g, '')}`;
const many = (n: number): NewEvent[] => Array.from({ length: n }, (_, i) => anEvent('ThingHappened', { i }));
const streamName = (): string => `thing-${randomUUID()}`;

// ------------------------------------------------------------------ against a real server

const url = process.env.KURRENTDB_URL;
if (!url) {
  console.warn(
    'KurrentDB conformance suite SKIPPED: set KURRENTDB_URL=kurrentdb://host:2113?tls=false to run it (no KurrentDB server can run on this machine)',
  );
}

/*
 * Every store gets its own namespace on the shared server, so the suite's reads of the
 * whole log see only that store's events: the same suite, unchanged, on a server that
 * already holds other data. The server must accept the suite's 1 MB event: start it with
 * KURRENTDB_MAX_APPEND_SIZE=8388608 (the default limit is 1 MiB of event data per append).
 */
(url ? describe : describe.skip)('KurrentDB server at KURRENTDB_URL', () => {
  describeEventStoreConformance(
    'kurrentdb',
    async () => {
      const store = await KurrentDbEventStore.open(url as string, { namespace: freshNamespace(), pollIntervalMs: 250 });
      return { store, dispose: () => store.close() };
    },
    { headPosition: true },
  );
});

// ------------------------------------------------------------------ against the emulator

describe('KurrentDbEventStore on the in-process emulator (the adapter’s logic, not the server’s)', () => {
  // One emulated server for every test, as a shared server would be: each store has its
  // own namespace, and another application writes beside them before each test.
  const server = new KurrentDbEmulator({ maxAppendSize: 8 * 1024 * 1024 });
  const otherApplication = server.client();

  describeEventStoreConformance(
    'kurrentdb adapter on the KurrentDB emulator',
    async () => {
      await otherApplication.appendToStream(`invoice-${randomUUID()}`, jsonEvent({ type: 'InvoiceSent', data: {} }));
      const store = new KurrentDbEventStore(server.client(), { namespace: freshNamespace(), pollIntervalMs: 100 });
      return { store, dispose: () => store.close() };
    },
    { headPosition: true },
  );
});

describe('KurrentDbEventStore', () => {
  let server: KurrentDbEmulator;
  const stores: KurrentDbEventStore[] = [];
  const open = (options: KurrentDbEventStoreOptions = {}): KurrentDbEventStore => {
    const store = new KurrentDbEventStore(server.client(), { pollIntervalMs: 50, ...options });
    stores.push(store);
    return store;
  };
  /** Reads a stream as the server holds it, bypassing the adapter. */
  const rawStream = async (name: string): Promise<Array<{ id: string; metadata: unknown; type: string }>> => {
    const events: Array<{ id: string; metadata: unknown; type: string }> = [];
    for await (const resolved of server.client().readStream(name)) {
      if (resolved.event)
        events.push({ id: resolved.event.id, metadata: resolved.event.metadata, type: resolved.event.type });
    }
    return events;
  };

  beforeEach(() => {
    server = new KurrentDbEmulator();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  describe('streams and the global log', () => {
    it('stores streams under their own names and keeps system events out of the log', async () => {
      const store = open();
      const stream = streamName();
      await store.append(stream, many(2));
      // The emulated $by_category projection has linked both events into $ce-thing.
      expect((await rawStream('$ce-thing')).map((e) => e.type)).toEqual(['$>', '$>']);
      expect((await readWholeLog(store)).map((e) => e.streamId)).toEqual([stream, stream]);
    });

    it('with a namespace, prefixes stream names and sees only its own streams', async () => {
      const staging = open({ namespace: 'staging' });
      const production = open({ namespace: 'production' });
      const plain = open();
      const stream = streamName();
      await staging.append(stream, many(1));
      await production.append(stream, many(2));
      await plain.append(streamName(), many(1));

      expect(await rawStream(`staging.${stream}`)).toHaveLength(1);
      expect((await readWholeLog(staging)).map((e) => e.streamId)).toEqual([stream]);
      expect(await readWholeLog(production)).toHaveLength(2);
      expect(await staging.readStream(stream)).toHaveLength(1);
      // A store without a namespace owns every non-system stream on the server.
      expect(await readWholeLog(plain)).toHaveLength(4);
    });

    it('gives positions with gaps, as KurrentDB’s byte offsets are, and pages across them', async () => {
      const store = open();
      await store.append(streamName(), many(30));
      const log = await readWholeLog(store);
      expect(log[1].position - log[0].position).toBeGreaterThan(1);
      const page = await store.readAll({ after: log[9].position, maxCount: 5 });
      expect(page.map((e) => e.position)).toEqual(log.slice(10, 15).map((e) => e.position));
    });
  });

  describe('metadata', () => {
    it('stores the schema version and the append attempt in metadata, and returns the caller’s metadata only', async () => {
      const store = open();
      const stream = streamName();
      const event: NewEvent = { ...anEvent('Noted', { a: 1 }, { actor: { id: 'k1' } }), schemaVersion: 4 };
      await store.append(stream, [event]);
      const [stored] = await rawStream(stream);
      expect(stored.metadata).toEqual({
        actor: { id: 'k1' },
        [ACCORD_METADATA_KEY]: { schemaVersion: 4, appendId: expect.any(String) },
      });
      expect(await store.readStream(stream)).toEqual([
        expect.objectContaining({ schemaVersion: 4, metadata: { actor: { id: 'k1' } } }),
      ]);
    });

    it('refuses the reserved metadata key before sending anything', async () => {
      const store = open();
      await expect(
        store.append(streamName(), [anEvent('Noted', {}, { [ACCORD_METADATA_KEY]: 'mine' })]),
      ).rejects.toBeInstanceOf(InvalidAppendError);
      expect(server.calls.append).toBe(0);
      expect(server.calls.readStream).toBe(0);
    });
  });

  describe('idempotency beyond the window the adapter reads', () => {
    // A second store on the same server stands for another process: it remembers nothing.
    it('recognises a repeat the server reports as done, and says it wrote nothing', async () => {
      const stream = streamName();
      const batch = many(2);
      const first = await open().append(stream, batch, { expectedRevision: 'no_stream' });
      const other = open({ idempotencyWindow: 1 });
      for (let i = 0; i < 5; i++) await other.append(stream, many(1));
      const written = server.calls.written;
      const again = await other.append(stream, batch, { expectedRevision: 'no_stream' });
      expect(again).toMatchObject({ idempotent: true, revision: 1, position: first.position });
      expect(server.calls.written).toBe(written);
      expect(await other.readStream(stream)).toHaveLength(7);
    });

    it('reads further back when only the later ids of a repeated batch are in the window', async () => {
      const stream = streamName();
      const batch = many(4);
      await open().append(stream, batch);
      const other = open({ idempotencyWindow: 1 });
      await other.append(stream, many(2));
      // The window holds the last 1 + 4 events: batch[1..3] and the two after it.
      const again = await other.append(stream, batch);
      expect(again.idempotent).toBe(true);
      expect(again.events.map((e) => e.revision)).toEqual([0, 1, 2, 3]);
    });

    it('finds an old batch it appended itself, however far back', async () => {
      const store = open({ idempotencyWindow: 1 });
      const stream = streamName();
      const batch = many(2);
      await store.append(stream, batch);
      for (let i = 0; i < 10; i++) await store.append(stream, many(1));
      expect((await store.append(stream, batch, { expectedRevision: 'no_stream' })).idempotent).toBe(true);
      await expect(store.append(stream, batch, { expectedRevision: 11 })).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      await expect(store.append(stream, [batch[0], ...many(1)])).rejects.toBeInstanceOf(DuplicateEventIdError);
      expect(await store.readStream(stream)).toHaveLength(12);
    });

    it('leaves ids older than the window, from another process, to the server’s narrower check', async () => {
      const stream = streamName();
      const batch = many(2);
      await open().append(stream, batch);
      const other = open({ idempotencyWindow: 1 });
      for (let i = 0; i < 5; i++) await other.append(stream, many(1));
      // Under any, the server still finds the first id in its recent-id cache.
      await expect(other.append(stream, [batch[0], ...many(1)])).rejects.toBeInstanceOf(DuplicateEventIdError);
      // With the current revision as expected, it checks no ids and writes: a known gap.
      const written = await other.append(stream, [batch[0], ...many(1)], { expectedRevision: 6 });
      expect(written.revision).toBe(8);
    });

    it('does not see an id reused in another stream by another process (KurrentDB indexes ids per stream)', async () => {
      const [taken] = many(1);
      await open().append(streamName(), [taken]);
      expect((await open().append(streamName(), [taken])).idempotent).toBe(false);
      // Through the same store, the reuse is refused.
      const same = open();
      const [mine] = many(1);
      await same.append(streamName(), [mine]);
      await expect(same.append(streamName(), [mine])).rejects.toBeInstanceOf(DuplicateEventIdError);
    });
  });

  describe('when the server fails', () => {
    it('reports an append whose answer was lost as written once, by this attempt', async () => {
      const store = open();
      const stream = streamName();
      server.failAppends('response-lost-after-write');
      const result = await store.append(stream, many(2), { expectedRevision: 'no_stream' });
      expect(result).toMatchObject({ idempotent: false, revision: 1 });
      expect(server.calls.written).toBe(1);
    });

    it('maps an append refused as unavailable to STORE_UNAVAILABLE, and a retry succeeds', async () => {
      const store = open();
      const stream = streamName();
      const batch = many(1);
      server.failAppends('unavailable-before-write');
      const error = await store.append(stream, batch).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KurrentDbError);
      expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(await store.readStream(stream)).toEqual([]);
      expect((await store.append(stream, batch)).idempotent).toBe(false);
    });

    it('refuses a batch over the server’s append size limit as invalid', async () => {
      const store = open();
      const big = 'x'.repeat(1024 * 1024 + 1);
      await expect(store.append(streamName(), [anEvent('Large', { big })])).rejects.toThrow(
        /maximum append size of 1048576 bytes/,
      );
    });

    it('keeps a subscription waiting through unavailable reads, and reports them', async () => {
      const transient: Error[] = [];
      const store = open({ onTransientError: (e) => transient.push(e) });
      const stream = streamName();
      await store.append(stream, many(2));
      server.failReadAlls(3);
      const subscription = store.subscribe();
      const iterator = subscription[Symbol.asyncIterator]();
      const received = [await iterator.next(), await iterator.next()].map((r) => r.value as RecordedEvent);
      expect(received.map((e) => e.revision)).toEqual([0, 1]);
      expect(transient).toHaveLength(3);
      expect(transient[0]).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      await subscription.stop();
    });

    it('wakes a follower through its live subscription when another process appends, long before the poll', async () => {
      const store = open({ pollIntervalMs: 60_000 });
      const subscription = store.subscribe();
      const next = subscription[Symbol.asyncIterator]().next();
      await until(() => server.liveSubscriptions === 1, 'the live subscription');
      await open().append(streamName(), many(1));
      const woken = await Promise.race([next, new Promise((r) => setTimeout(() => r('still asleep'), 2000))]);
      expect(woken).toMatchObject({ done: false });
      await subscription.stop();
    });

    it('opens its live subscription again after it drops, and keeps delivering', async () => {
      const store = open({ pollIntervalMs: 100 });
      const subscription = store.subscribe();
      const iterator = subscription[Symbol.asyncIterator]();
      const first = iterator.next();
      await until(() => server.liveSubscriptions === 1, 'the live subscription');
      server.breakSubscriptions();
      expect(server.liveSubscriptions).toBe(0);
      await until(() => server.liveSubscriptions === 1, 'the live subscription');
      expect(server.calls.subscribeToAll).toBe(2);
      await open().append(streamName(), many(1));
      expect((await first).done).toBe(false);
      await subscription.stop();
      expect(server.liveSubscriptions).toBe(0);
    });
  });

  describe('lifecycle', () => {
    it('drops its live subscription to the server when the last follower stops, and disposes the client on close', async () => {
      const store = open();
      const a = store.subscribe();
      const b = store.subscribe();
      const pending = [a[Symbol.asyncIterator]().next(), b[Symbol.asyncIterator]().next()];
      await until(() => server.liveSubscriptions > 0, 'the live subscription');
      expect(server.liveSubscriptions).toBe(1);
      await a.stop();
      expect(server.liveSubscriptions).toBe(1);
      await b.stop();
      await Promise.all(pending);
      expect(server.liveSubscriptions).toBe(0);
      await store.close();
      await expect(store.readAll()).rejects.toBeInstanceOf(StoreClosedError);
      expect(() => store.subscribe()).toThrow(StoreClosedError);
    });
  });

  describe('parity with the in-memory reference', () => {
    const seeded = (seed: number) => (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };

    it.each([1, 2, 3])('gives the same results, errors and reads for random operations (seed %i)', async (seed) => {
      const random = seeded(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
      const streams = ['thing-a', 'thing-b', 'other-c'];
      const batches: Array<{ stream: string; events: NewEvent[] }> = [];
      const reference = new InMemoryEventStore();
      const store = open({ namespace: freshNamespace() });
      const both: EventStore[] = [reference, store];

      /** Positions differ between stores (KurrentDB's are byte offsets): compare their order instead. */
      const observe = async (target: EventStore, outcome: PromiseSettledResult<unknown>): Promise<unknown> => {
        if (outcome.status === 'rejected') {
          const { name, message, ...fields } = outcome.reason as Error & Record<string, unknown>;
          return { error: name, message, ...fields };
        }
        const order = new Map((await readWholeLog(target)).map((e, i) => [e.position, i + 1]));
        return JSON.parse(JSON.stringify(outcome.value), (key, value) =>
          key === 'recordedAt' ? 'at' : key === 'position' ? order.get(value) : value,
        );
      };

      const observed: unknown[][] = [[], []];
      for (let round = 0; round < 40; round++) {
        const earlier = batches.length > 0 ? pick(batches) : undefined;
        const roll = random();
        const events =
          earlier && roll < 0.25
            ? earlier.events
            : earlier && roll < 0.3
              ? [earlier.events[0], anEvent()]
              : roll < 0.33
                ? [{ id: 'not-a-uuid', type: 'Bad', data: {} }]
                : many(1 + Math.floor(random() * 3));
        const stream = earlier && roll < 0.2 ? earlier.stream : pick(streams);
        const expected = pick<ExpectedRevision>(['any', 'no_stream', 'stream_exists', 0, 1, 2, 3, 5]);
        const reads: Array<{ stream: string; options: ReadStreamOptions }> = streams.map((s) => ({
          stream: s,
          options: {
            direction: pick(['forwards', 'backwards', undefined] as const),
            fromRevision: pick([undefined, -1, 0, 1, 2.5, 4, 9]),
            maxCount: pick([undefined, 0, 1, 2, 2.5, 5, Infinity]),
          },
        }));
        const pageSize = pick([1, 3, 2.5, Infinity]);
        for (const [i, target] of both.entries()) {
          const [appended] = await Promise.allSettled([target.append(stream, events, { expectedRevision: expected })]);
          if (i === 0 && appended.status === 'fulfilled') batches.push({ stream, events });
          observed[i].push(await observe(target, appended));
          for (const read of reads) {
            const [outcome] = await Promise.allSettled([target.readStream(read.stream, read.options)]);
            observed[i].push(await observe(target, outcome));
          }
          const [page] = await Promise.allSettled([target.readAll({ maxCount: pageSize })]);
          observed[i].push(await observe(target, page));
        }
      }
      await reference.close();
      expect(observed[1]).toEqual(observed[0]);
      const all = JSON.stringify(observed[0]);
      expect(all).toMatch(/WrongExpectedRevisionError/);
      expect(all).toMatch(/"idempotent":true/);
      expect(all).toMatch(/DuplicateEventIdError/);
    });
  });
});

// ------------------------------------------------------------------ the real client, no server

/** A local port nothing listens on: connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('KurrentDbEventStore with the real client and no server', () => {
  it('refuses to open an unreachable server, with a clear error that hides the credentials', async () => {
    const port = await closedPort();
    const started = Date.now();
    const error = await KurrentDbEventStore.open(`kurrentdb://admin:s3cret@127.0.0.1:${port}?tls=false`, {
      openTimeoutMs: 5000,
    }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(error).toBeInstanceOf(KurrentDbError);
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect((error as Error).message).toContain(`KurrentDB at kurrentdb://127.0.0.1:${port} is unavailable (open)`);
    expect((error as Error).message).not.toContain('s3cret');
  }, 10_000);

  it('maps the client’s errors on append and reads to STORE_UNAVAILABLE', async () => {
    const port = await closedPort();
    const client = KurrentDBClient.connectionString(`kurrentdb://127.0.0.1:${port}?tls=false&defaultDeadline=3000`);
    const store = new KurrentDbEventStore(client, { target: `KurrentDB at 127.0.0.1:${port}` });
    try {
      const appended = await store.append(streamName(), many(1)).catch((e: unknown) => e);
      expect(appended).toMatchObject({
        code: 'STORE_UNAVAILABLE',
        message: expect.stringContaining('append to thing-'),
      });
      expect((appended as KurrentDbError).cause).toBeInstanceOf(Error);
      await expect(store.readAll()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      await expect(store.readStream(streamName())).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    } finally {
      await store.close();
    }
  }, 10_000);

  it('refuses a connection string the client cannot parse', async () => {
    await expect(KurrentDbEventStore.open('http://localhost:2113')).rejects.toMatchObject({
      code: 'INVALID_CONNECTION_STRING',
    });
  });

  it('refuses an invalid namespace before connecting', async () => {
    await expect(KurrentDbEventStore.open('kurrentdb://localhost:2113', { namespace: 'a.b' })).rejects.toThrow(
      /Namespace "a.b"/,
    );
  });

  it('maps a wrong expected revision from the real client class (via the emulator)', async () => {
    const server = new KurrentDbEmulator();
    const store = new KurrentDbEventStore(server.client());
    const stream = streamName();
    await store.append(stream, many(2));
    await expect(store.append(stream, many(1), { expectedRevision: 0 })).rejects.toMatchObject({
      name: 'WrongExpectedRevisionError',
      actual: 1,
    });
    await expect(store.append(stream, many(1), { expectedRevision: 0 })).rejects.toBeInstanceOf(
      WrongExpectedRevisionError,
    );
    await store.close();
  });
});
