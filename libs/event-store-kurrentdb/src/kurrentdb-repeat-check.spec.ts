import { randomUUID } from 'node:crypto';
import {
  DuplicateEventIdError,
  InMemoryEventStore,
  WrongExpectedRevisionError,
  checkExpectedRevision,
  type ExpectedRevision,
  type NewEvent,
} from '@accord/event-store';
import { RecentEventIds, checkRepeatAgainstTail } from './kurrentdb-repeat-check';

const newEvents = (n: number): NewEvent[] =>
  Array.from({ length: n }, () => ({ id: randomUUID(), type: 'T', data: {} }));

/** mulberry32: a seeded generator, so a failure replays the same cases. */
const seeded = (seed: number) => (): number => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

function outcome(run: () => unknown): unknown {
  try {
    return run();
  } catch (error) {
    const e = error as Error & { actual?: unknown };
    return { error: e.name, actual: e.actual };
  }
}

describe('checkRepeatAgainstTail', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'decides as the reference store does when the tail holds the whole stream (seed %i)',
    async (seed) => {
      const random = seeded(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
      const reference = new InMemoryEventStore();
      const stream = 'thing-1';
      const batches: NewEvent[][] = [];
      const mismatches: unknown[] = [];
      for (let round = 0; round < 60; round++) {
        const earlier = batches.length > 0 ? pick(batches) : undefined;
        const roll = random();
        const events =
          earlier && roll < 0.35
            ? earlier
            : earlier && roll < 0.45
              ? [earlier[0], ...newEvents(1)]
              : earlier && roll < 0.55
                ? [...newEvents(1), pick(earlier)]
                : newEvents(1 + Math.floor(random() * 3));
        const expected = pick<ExpectedRevision>(['any', 'no_stream', 'stream_exists', 0, 1, 2, 3, 5, 8]);

        const tail = await reference.readStream(stream);
        const current = tail.length === 0 ? 'no_stream' : tail[tail.length - 1].revision;
        const ours = outcome(() => {
          const repeat = checkRepeatAgainstTail(stream, events, expected, tail);
          if (repeat) return { idempotent: repeat.map((e) => e.revision) };
          checkExpectedRevision(stream, expected, current);
          return 'write';
        });
        const theirs = await reference.append(stream, events, { expectedRevision: expected }).then(
          (r) => (r.idempotent ? { idempotent: r.events.map((e) => e.revision) } : 'write'),
          (error: Error & { actual?: unknown }) => ({ error: error.name, actual: error.actual }),
        );
        if (JSON.stringify(ours) !== JSON.stringify(theirs)) mismatches.push({ round, expected, ours, theirs });
        if (theirs === 'write') batches.push(events);
      }
      await reference.close();
      expect(mismatches).toEqual([]);
      expect(batches.length).toBeGreaterThan(3);
    },
  );

  it('returns the recorded batch for a repeat, and refuses a repeat that does not fit the expected revision', async () => {
    const reference = new InMemoryEventStore();
    const batch = newEvents(2);
    await reference.append('thing-1', batch);
    await reference.append('thing-1', newEvents(1));
    const tail = await reference.readStream('thing-1');
    expect(checkRepeatAgainstTail('thing-1', batch, 'any', tail)?.map((e) => e.id)).toEqual(batch.map((e) => e.id));
    expect(() => checkRepeatAgainstTail('thing-1', batch, 2, tail)).toThrow(WrongExpectedRevisionError);
    expect(checkRepeatAgainstTail('thing-1', [batch[1]], 0, tail)?.map((e) => e.revision)).toEqual([1]);
    expect(() => checkRepeatAgainstTail('thing-1', [batch[1], ...newEvents(1)], 'any', tail)).toThrow(
      DuplicateEventIdError,
    );
    expect(checkRepeatAgainstTail('thing-1', newEvents(2), 'any', tail)).toBeUndefined();
    await reference.close();
  });
});

describe('RecentEventIds', () => {
  it('finds an id appended to another stream, without regard to case', () => {
    const ids = new RecentEventIds(10);
    const [event] = newEvents(1);
    ids.remember('thing-a', [{ id: event.id, revision: 7 }]);
    expect(ids.takenElsewhere('thing-a', [event])).toBeUndefined();
    expect(ids.revisionIn('thing-a', event.id.toUpperCase())).toBe(7);
    expect(ids.revisionIn('thing-b', event.id)).toBeUndefined();
    expect(ids.takenElsewhere('thing-b', [{ ...event, id: event.id.toUpperCase() }])).toBe(event.id.toUpperCase());
  });

  it('forgets the oldest ids beyond its capacity', () => {
    const ids = new RecentEventIds(3);
    const events = newEvents(5);
    for (const [revision, event] of events.entries()) ids.remember('thing-a', [{ id: event.id, revision }]);
    expect(ids.size).toBe(3);
    expect(ids.takenElsewhere('thing-b', [events[0]])).toBeUndefined();
    expect(ids.takenElsewhere('thing-b', [events[4]])).toBe(events[4].id);
  });
});
