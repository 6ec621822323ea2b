import { randomUUID } from 'node:crypto';
import { DuplicateEventIdError, InvalidAppendError, WrongExpectedRevisionError } from '../event-store.errors';
import type { EventStore, NewEvent, RecordedEvent } from '../event-store.port';

export interface StoreUnderTest {
  readonly store: EventStore;
  /** Closes the store and removes whatever the factory created (file, schema, database). */
  readonly dispose: () => Promise<void>;
}

export type StoreFactory = () => Promise<StoreUnderTest>;

/** A new event with a fresh id. */
export function anEvent(
  type = 'ThingHappened',
  data: unknown = { n: 1 },
  metadata: Record<string, unknown> = {},
): NewEvent {
  return { id: randomUUID(), type, data, metadata };
}

const many = (n: number, type = 'ThingHappened'): NewEvent[] =>
  Array.from({ length: n }, (_, i) => anEvent(type, { i }));
const streamName = (category = 'thing'): string => `${category}-${randomUUID()}`;

/** Reads the whole global log after `after`, page by page. */
export async function readWholeLog(store: EventStore, after = 0): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for (let position = after; ;) {
    const page = await store.readAll({ after: position, maxCount: 1000 });
    if (page.length === 0) return all;
    all.push(...page);
    position = page[page.length - 1].position;
  }
}

/** Polls `condition` until it holds; fails, naming `what`, after `timeoutMs`. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what = 'a condition',
  timeoutMs = 20000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Takes `count` events from a subscription; fails instead of hanging if they never come. */
export async function take(
  iterable: AsyncIterable<RecordedEvent>,
  count: number,
  timeoutMs = 20000,
): Promise<RecordedEvent[]> {
  const taken: RecordedEvent[] = [];
  if (count === 0) return taken;
  const iterator = iterable[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`subscription delivered ${taken.length} of ${count} events`)), timeoutMs);
  });
  try {
    while (taken.length < count) {
      const next = await Promise.race([iterator.next(), timeout]);
      if (next.done) break;
      taken.push(next.value);
    }
  } finally {
    clearTimeout(timer);
  }
  return taken;
}

/**
 * The one conformance suite: every adapter runs exactly this, so that they all keep the
 * contract of docs/design.md ("The event-store contract") in the same way.
 */
export function describeEventStoreConformance(
  name: string,
  factory: StoreFactory,
  /** Optional parts of the port the adapter offers, and that are therefore checked too. */
  offers: { headPosition?: boolean } = {},
): void {
  describe(`event store conformance: ${name}`, () => {
    let sut: StoreUnderTest;
    let store: EventStore;

    beforeEach(async () => {
      sut = await factory();
      store = sut.store;
    });
    afterEach(async () => {
      await sut.dispose();
    });

    if (offers.headPosition) {
      it("tells the head position: 0 when empty, then the last committed event's", async () => {
        expect(await store.headPosition!()).toBe(0);
        await store.append(streamName(), many(3), { expectedRevision: 'no_stream' });
        await store.append(streamName(), many(2), { expectedRevision: 'no_stream' });
        const log = await readWholeLog(store);
        expect(await store.headPosition!()).toBe(log[log.length - 1].position);
      });
    }

    describe('revisions and positions', () => {
      it('numbers a new stream from revision 0 and gives every event a position above 0', async () => {
        const stream = streamName();
        const result = await store.append(stream, many(3), { expectedRevision: 'no_stream' });
        expect(result.revision).toBe(2);
        expect(result.idempotent).toBe(false);
        expect(result.events.map((e) => e.revision)).toEqual([0, 1, 2]);
        expect(result.events[0].position).toBeGreaterThan(0);
        expect(result.position).toBe(result.events[2].position);
        const read = await store.readStream(stream);
        expect(read.map((e) => e.revision)).toEqual([0, 1, 2]);
        expect(read.map((e) => e.position)).toEqual(result.events.map((e) => e.position));
      });

      it('records the whole envelope as written', async () => {
        const stream = streamName('commitment');
        const event: NewEvent = {
          id: randomUUID(),
          type: 'CommitmentProposed',
          schemaVersion: 2,
          data: { title: 'Joint training', nested: { list: [1, 'two', null, true] } },
          metadata: { commandId: 'c-1', actor: { id: 'k1', role: 'integration', party: 'MA' } },
        };
        const before = Date.now();
        await store.append(stream, [event]);
        const [recorded] = await store.readStream(stream);
        expect(recorded).toMatchObject({
          streamId: stream,
          revision: 0,
          id: event.id,
          type: 'CommitmentProposed',
          schemaVersion: 2,
          data: event.data,
          metadata: event.metadata,
        });
        expect(Date.parse(recorded.recordedAt)).toBeGreaterThanOrEqual(before - 1000);
        expect(new Date(recorded.recordedAt).toISOString()).toBe(recorded.recordedAt);
      });

      it('defaults the schema version to 1 and metadata to {}', async () => {
        const stream = streamName();
        await store.append(stream, [{ id: randomUUID(), type: 'Plain', data: {} }]);
        const [recorded] = await store.readStream(stream);
        expect(recorded.schemaVersion).toBe(1);
        expect(recorded.metadata).toEqual({});
      });

      it('continues revisions across appends and keeps positions increasing across streams', async () => {
        const a = streamName();
        const b = streamName();
        const r1 = await store.append(a, many(2));
        const r2 = await store.append(b, many(1));
        const r3 = await store.append(a, many(2), { expectedRevision: 1 });
        expect(r3.events.map((e) => e.revision)).toEqual([2, 3]);
        expect(r2.position).toBeGreaterThan(r1.position);
        expect(r3.events[0].position).toBeGreaterThan(r2.position);
        const log = await readWholeLog(store);
        expect(log.map((e) => e.streamId)).toEqual([a, a, b, a, a]);
      });

      it('reads an unknown stream as empty', async () => {
        expect(await store.readStream(streamName())).toEqual([]);
        expect(await store.readStream(streamName(), { direction: 'backwards' })).toEqual([]);
      });

      it('reads the global log in pages after an exclusive position', async () => {
        await store.append(streamName(), many(25));
        const first = await store.readAll({ maxCount: 10 });
        expect(first).toHaveLength(10);
        const second = await store.readAll({ after: first[9].position, maxCount: 10 });
        expect(second[0].position).toBeGreaterThan(first[9].position);
        expect((await readWholeLog(store)).length).toBe(25);
        expect(await store.readAll({ after: (await readWholeLog(store))[24].position })).toEqual([]);
      });
    });

    describe('expected revision', () => {
      const cases: Array<{
        name: string;
        existing: number;
        expected: 'no_stream' | 'stream_exists' | 'any' | number;
        ok: boolean;
        actual?: number | 'no_stream';
      }> = [
        { name: 'no_stream on a new stream', existing: 0, expected: 'no_stream', ok: true },
        { name: 'no_stream on an existing stream', existing: 2, expected: 'no_stream', ok: false, actual: 1 },
        {
          name: 'stream_exists on a new stream',
          existing: 0,
          expected: 'stream_exists',
          ok: false,
          actual: 'no_stream',
        },
        { name: 'stream_exists on an existing stream', existing: 2, expected: 'stream_exists', ok: true },
        { name: 'any on a new stream', existing: 0, expected: 'any', ok: true },
        { name: 'any on an existing stream', existing: 2, expected: 'any', ok: true },
        { name: 'the right revision', existing: 3, expected: 2, ok: true },
        { name: 'a stale revision', existing: 3, expected: 1, ok: false, actual: 2 },
        { name: 'a revision ahead', existing: 3, expected: 5, ok: false, actual: 2 },
        { name: 'revision 0 on a new stream', existing: 0, expected: 0, ok: false, actual: 'no_stream' },
      ];

      it.each(cases)('$name', async ({ existing, expected, ok, actual }) => {
        const stream = streamName();
        if (existing > 0) await store.append(stream, many(existing));
        const attempt = store.append(stream, many(2), { expectedRevision: expected });
        if (ok) {
          const result = await attempt;
          expect(result.revision).toBe(existing + 1);
        } else {
          const error = await attempt.then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(WrongExpectedRevisionError);
          expect(error).toMatchObject({ streamId: stream, expected, actual, code: 'WRONG_EXPECTED_REVISION' });
          expect(await store.readStream(stream)).toHaveLength(existing);
        }
      });

      it('defaults to any', async () => {
        const stream = streamName();
        await store.append(stream, many(1));
        expect((await store.append(stream, many(1))).revision).toBe(1);
      });
    });

    describe('atomic batches', () => {
      it('writes nothing of a batch whose check fails', async () => {
        const stream = streamName();
        await store.append(stream, many(1));
        const before = await readWholeLog(store);
        await expect(store.append(stream, many(5), { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(
          WrongExpectedRevisionError,
        );
        expect(await readWholeLog(store)).toEqual(before);
      });

      it('writes nothing of a batch that reuses an id recorded in another stream', async () => {
        const taken = anEvent();
        await store.append(streamName(), [taken]);
        const stream = streamName();
        const error = await store.append(stream, [anEvent(), taken]).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DuplicateEventIdError);
        expect(await store.readStream(stream)).toEqual([]);
      });

      it('gives the events of one batch consecutive revisions and increasing positions', async () => {
        const stream = streamName();
        const result = await store.append(stream, many(50));
        const positions = result.events.map((e) => e.position);
        expect([...positions].sort((x, y) => x - y)).toEqual(positions);
        expect(new Set(positions).size).toBe(50);
        expect(result.events.map((e) => e.revision)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      });

      it.each([
        ['an empty batch', (s: EventStore) => s.append(streamName(), [])],
        ['a stream id without a category', (s: EventStore) => s.append('nocategory', many(1))],
        [
          'an event id that is not a UUID',
          (s: EventStore) => s.append(streamName(), [{ id: 'x', type: 'T', data: {} }]),
        ],
        [
          'the same id twice in a batch',
          (s: EventStore) =>
            s.append(
              streamName(),
              [many(1)[0], many(1)[0]].map((e, _, a) => ({ ...e, id: a[0].id })),
            ),
        ],
        ['a negative expected revision', (s: EventStore) => s.append(streamName(), many(1), { expectedRevision: -1 })],
      ])('rejects %s and writes nothing', async (_name, attempt) => {
        await expect(attempt(store)).rejects.toBeInstanceOf(InvalidAppendError);
        expect(await readWholeLog(store)).toEqual([]);
      });
    });

    describe('idempotent re-append', () => {
      it('treats the same ids at the same point as success and writes nothing', async () => {
        const stream = streamName();
        const batch = many(3);
        const first = await store.append(stream, batch, { expectedRevision: 'no_stream' });
        const again = await store.append(stream, batch, { expectedRevision: 'no_stream' });
        expect(again.idempotent).toBe(true);
        expect(again.revision).toBe(first.revision);
        expect(again.position).toBe(first.position);
        expect(again.events.map((e) => e.id)).toEqual(batch.map((e) => e.id));
        expect(await store.readStream(stream)).toHaveLength(3);
      });

      it('repeats with any, with the revision the batch was written at, and after later appends', async () => {
        const stream = streamName();
        await store.append(stream, many(2));
        const batch = many(2);
        await store.append(stream, batch, { expectedRevision: 1 });
        expect((await store.append(stream, batch, { expectedRevision: 1 })).idempotent).toBe(true);
        await store.append(stream, many(1));
        expect((await store.append(stream, batch)).idempotent).toBe(true);
        expect((await store.append(stream, batch, { expectedRevision: 'stream_exists' })).events[0].revision).toBe(2);
        expect(await store.readStream(stream)).toHaveLength(5);
      });

      it('refuses a repeat at another revision as a conflict', async () => {
        const stream = streamName();
        const batch = many(1);
        await store.append(stream, batch);
        await store.append(stream, many(1));
        await expect(store.append(stream, batch, { expectedRevision: 1 })).rejects.toBeInstanceOf(
          WrongExpectedRevisionError,
        );
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('refuses a batch that only partly repeats an earlier one', async () => {
        const stream = streamName();
        const batch = many(2);
        await store.append(stream, batch);
        await expect(store.append(stream, [batch[0], anEvent()])).rejects.toBeInstanceOf(DuplicateEventIdError);
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('yields one write when the same append is sent 20 times at once', async () => {
        const stream = streamName();
        const batch = many(2);
        const results = await Promise.all(
          Array.from({ length: 20 }, () => store.append(stream, batch, { expectedRevision: 'no_stream' })),
        );
        expect(results.filter((r) => !r.idempotent)).toHaveLength(1);
        expect(new Set(results.map((r) => r.position)).size).toBe(1);
        expect(await store.readStream(stream)).toHaveLength(2);
      });
    });

    describe('concurrency', () => {
      it('lets exactly one of 100 concurrent appends with the same expected revision win', async () => {
        const stream = streamName();
        await store.append(stream, many(1));
        const outcomes = await Promise.allSettled(
          Array.from({ length: 100 }, (_, i) =>
            store.append(stream, [anEvent('Raced', { i })], { expectedRevision: 0 }),
          ),
        );
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(99);
        for (const o of lost) {
          expect(o.reason).toBeInstanceOf(WrongExpectedRevisionError);
          expect((o.reason as WrongExpectedRevisionError).actual).toBe(1);
        }
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('keeps revisions gap-free and positions strictly increasing under concurrent appends to many streams', async () => {
        const streams = Array.from({ length: 20 }, () => streamName());
        await Promise.all(
          Array.from({ length: 400 }, (_, i) => store.append(streams[i % streams.length], many(1 + (i % 3)))),
        );
        const log = await readWholeLog(store);
        expect(log).toHaveLength(
          streams.length * 0 + 400 + Array.from({ length: 400 }, (_, i) => i % 3).reduce((a, b) => a + b, 0),
        );
        for (let i = 1; i < log.length; i++) expect(log[i].position).toBeGreaterThan(log[i - 1].position);
        for (const stream of streams) {
          const events = await store.readStream(stream);
          expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
          const inLog = log.filter((e) => e.streamId === stream).map((e) => e.id);
          expect(events.map((e) => e.id)).toEqual(inLog);
        }
      });
    });

    describe('subscriptions', () => {
      it('delivers every event exactly once, in order, across the catch-up/live boundary', async () => {
        const streams = Array.from({ length: 5 }, () => streamName());
        for (let i = 0; i < 300; i++) await store.append(streams[i % 5], many(1));
        const subscription = store.subscribe({ after: 0 });
        const writing = (async () => {
          for (let i = 0; i < 30; i++) {
            await Promise.all(streams.map((s) => store.append(s, many(2))));
          }
        })();
        const expectedCount = 300 + 30 * 5 * 2;
        const received = await take(subscription, expectedCount);
        await writing;
        await subscription.stop();
        const log = await readWholeLog(store);
        expect(received.map((e) => e.id)).toEqual(log.map((e) => e.id));
        expect(new Set(received.map((e) => e.id)).size).toBe(expectedCount);
      });

      it('starts after the given position', async () => {
        const stream = streamName();
        const first = await store.append(stream, many(5));
        const subscription = store.subscribe({ after: first.events[2].position });
        const received = await take(subscription, 2);
        await subscription.stop();
        expect(received.map((e) => e.revision)).toEqual([3, 4]);
      });

      it('wakes a waiting subscriber when an append commits', async () => {
        const subscription = store.subscribe();
        const pending = take(subscription, 1);
        const stream = streamName();
        await store.append(stream, many(1));
        const [event] = await pending;
        expect(event.streamId).toBe(stream);
        await subscription.stop();
      });

      it('ends a pending iteration when stopped, and stays stopped', async () => {
        const subscription = store.subscribe();
        const iterator = subscription[Symbol.asyncIterator]();
        const pending = iterator.next();
        await subscription.stop();
        await expect(pending).resolves.toEqual({ done: true, value: undefined });
        expect(subscription.stopped).toBe(true);
        await store.append(streamName(), many(1));
        await expect(iterator.next()).resolves.toMatchObject({ done: true });
      });

      it('stops when the consumer breaks out of for-await', async () => {
        await store.append(streamName(), many(10));
        const subscription = store.subscribe();
        let seen = 0;
        for await (const _event of subscription) {
          if (++seen === 3) break;
        }
        expect(seen).toBe(3);
        expect(subscription.stopped).toBe(true);
      });

      it('releases every resource of 50 stopped subscriptions', async () => {
        const subscriptions = Array.from({ length: 50 }, () => store.subscribe());
        const pendings = subscriptions.map((s) => s[Symbol.asyncIterator]().next());
        await Promise.all(subscriptions.map((s) => s.stop()));
        const results = await Promise.all(pendings);
        expect(results.every((r) => r.done)).toBe(true);
        const resources = (store as unknown as { resources?: { subscriptions: number; waiting: number } }).resources;
        if (resources) expect(resources).toEqual({ subscriptions: 0, waiting: 0 });
      });
    });

    describe('volume and payloads', () => {
      it('reads a 10,000-event stream forwards and backwards, whole and in slices', async () => {
        const stream = streamName();
        for (let i = 0; i < 10; i++) await store.append(stream, many(1000));
        const forwards = await store.readStream(stream);
        expect(forwards).toHaveLength(10000);
        expect(forwards.every((e, i) => e.revision === i)).toBe(true);
        const backwards = await store.readStream(stream, { direction: 'backwards' });
        expect(backwards.map((e) => e.id)).toEqual([...forwards].reverse().map((e) => e.id));
        const slice = await store.readStream(stream, { fromRevision: 9990, maxCount: 5 });
        expect(slice.map((e) => e.revision)).toEqual([9990, 9991, 9992, 9993, 9994]);
        const back = await store.readStream(stream, { direction: 'backwards', fromRevision: 4, maxCount: 10 });
        expect(back.map((e) => e.revision)).toEqual([4, 3, 2, 1, 0]);
        const last = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
        expect(last[0].revision).toBe(9999);
        expect(await store.readStream(stream, { fromRevision: 10000 })).toEqual([]);
      });

      it('keeps unicode intact in data, metadata and types of stream ids', async () => {
        const stream = streamName('commitment');
        const text = 'Rabat ⇄ Doha: الأمن السيبراني, sécurité des stades, 🛂 \u0000 \u2028 "quoted" \\ back';
        await store.append(stream, [anEvent('Noted', { text, keys: { 'clé-é': 'ü' } }, { note: text })]);
        const [event] = await store.readStream(stream);
        expect(event.data).toEqual({ text, keys: { 'clé-é': 'ü' } });
        expect(event.metadata).toEqual({ note: text });
      });

      it('stores and returns a 1 MB payload unchanged', async () => {
        const stream = streamName();
        const big = 'x'.repeat(512 * 1024) + 'é'.repeat(256 * 1024);
        await store.append(stream, [anEvent('Large', { big, list: Array.from({ length: 1000 }, (_, i) => i) })]);
        const [event] = await store.readStream(stream);
        expect((event.data as { big: string }).big).toBe(big);
        expect(Buffer.byteLength(JSON.stringify(event.data))).toBeGreaterThan(1024 * 1024);
      });
    });

    describe('lifecycle', () => {
      it('finishes appends already in flight when closed', async () => {
        const stream = streamName();
        const inFlight = Array.from({ length: 20 }, () => store.append(stream, many(1)));
        const results = await Promise.allSettled([...inFlight, store.close()]);
        const appended = results.slice(0, 20).filter((r) => r.status === 'fulfilled').length;
        expect(appended).toBe(20);
      });
    });
  });
}
