import { randomUUID } from 'node:crypto';
import { InMemoryEventStore, readStreamSlice, type ReadStreamOptions, type RecordedEvent } from '@accord/event-store';
import { planLogRead, planStreamRead, type StreamReadPlan } from './kurrentdb-read-plan';

const revisions = [undefined, -1, 0, 1, 2.5, 4, 9, Number.NaN, Infinity];
const counts = [undefined, -1, 0, 0.5, 1, 2, 2.5, 5, Infinity, Number.NaN];
const directions = [undefined, 'forwards', 'backwards'] as const;

function stream(length: number): RecordedEvent[] {
  return Array.from({ length }, (_, revision) => ({ revision }) as RecordedEvent);
}

/** What KurrentDB returns for a plan: forwards from a revision, or backwards from one that exists. */
function serve(plan: StreamReadPlan, events: RecordedEvent[]): number[] {
  if (plan.kind !== 'read') throw new Error(`cannot serve ${plan.kind}`);
  const limit = plan.maxCount ?? Number.MAX_SAFE_INTEGER;
  const last = events.length - 1;
  if (plan.direction === 'forwards') {
    return events.slice(plan.from as number, (plan.from as number) + limit).map((e) => e.revision);
  }
  const from = plan.from === 'end' ? last : plan.from;
  if (from > last) throw new Error('the plan reads backwards from beyond the end');
  const served: number[] = [];
  for (let r = from; r >= 0 && served.length < limit; r--) served.push(r);
  return served;
}

/** The adapter's flow: plan, fetch the last revision when asked, read (an unknown stream reads as empty). */
function readThroughPlan(options: ReadStreamOptions, events: RecordedEvent[]): number[] {
  let plan = planStreamRead(options);
  if (plan.kind === 'needs-last-revision') plan = planStreamRead(options, events.length - 1);
  if (plan.kind === 'empty' || events.length === 0) return [];
  return serve(plan, events);
}

describe('planStreamRead', () => {
  const cases = [0, 1, 3, 6].flatMap((length) =>
    directions.flatMap((direction) =>
      revisions.flatMap((fromRevision) => counts.map((maxCount) => ({ length, direction, fromRevision, maxCount }))),
    ),
  );

  it(`reads what the reference store’s slice reads, in all ${cases.length} combinations of odd options`, () => {
    const mismatches = cases.filter(({ length, ...options }) => {
      const events = stream(length);
      const expected = readStreamSlice(events, options).map((e) => e.revision);
      return JSON.stringify(readThroughPlan(options, events)) !== JSON.stringify(expected);
    });
    expect(mismatches).toEqual([]);
  });

  it('never reads backwards from a revision it has not checked exists', () => {
    expect(planStreamRead({ direction: 'backwards', fromRevision: 9 })).toEqual({ kind: 'needs-last-revision' });
    expect(planStreamRead({ direction: 'backwards', fromRevision: 9, maxCount: 3 }, 4)).toEqual({
      kind: 'read',
      direction: 'backwards',
      from: 4,
      maxCount: 3,
    });
  });

  it('reads a whole stream in one request without a count, and the last event from the end', () => {
    expect(planStreamRead({})).toEqual({ kind: 'read', direction: 'forwards', from: 0, maxCount: undefined });
    expect(planStreamRead({ direction: 'backwards', maxCount: 1 })).toEqual({
      kind: 'read',
      direction: 'backwards',
      from: 'end',
      maxCount: 1,
    });
  });
});

describe('planLogRead', () => {
  const afters = [undefined, -3, 0, 1, 2.7, 5, 19, 20, 25, Number.NaN, Infinity];
  const maxCounts = [undefined, -1, 0, 1, 2.5, 3, Infinity, Number.NaN];

  it('pages the log as the reference store does (dense positions stand in for any increasing ones)', async () => {
    const reference = new InMemoryEventStore();
    for (let i = 0; i < 20; i++)
      await reference.append(`thing-${randomUUID()}`, [{ id: randomUUID(), type: 'T', data: {} }]);
    const positions = (await reference.readAll({ maxCount: 100 })).map((e) => e.position);
    const mismatches: unknown[] = [];
    for (const after of afters) {
      for (const maxCount of maxCounts) {
        const expected = (await reference.readAll({ after, maxCount })).map((e) => e.position);
        const plan = planLogRead({ after, maxCount });
        const actual =
          plan.kind === 'empty'
            ? []
            : positions.filter((p) => p > plan.after).slice(0, plan.maxCount ?? Number.MAX_SAFE_INTEGER);
        if (JSON.stringify(actual) !== JSON.stringify(expected)) mismatches.push({ after, maxCount, actual, expected });
      }
    }
    await reference.close();
    expect(mismatches).toEqual([]);
  });

  it('defaults to the first 1000 events', () => {
    expect(planLogRead({})).toEqual({ kind: 'read', after: 0, maxCount: 1000 });
  });
});
