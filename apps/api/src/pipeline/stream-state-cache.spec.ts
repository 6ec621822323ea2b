import { randomUUID } from 'node:crypto';
import { chainEvents, GENESIS_HASH, lastHashOf } from '@accord/audit';
import type { Decider, DomainEvent } from '@accord/commitments';
import { InMemoryEventStore, type EventStore, type ReadStreamOptions, type RecordedEvent } from '@accord/event-store';
import { runCommand, type CommandMeta } from './command-runner';
import { StreamStateCache } from './stream-state-cache';

type Added = DomainEvent<'Added', { amount: number }>;
interface Counter {
  readonly total: number;
  readonly events: number;
}
/** A counter: every command adds its amount; a zero amount decides nothing. */
const counter: Decider<{ amount: number }, Counter, Added> = {
  initialState: { total: 0, events: 0 },
  decide: (command) => (command.amount === 0 ? [] : [{ type: 'Added', data: { amount: command.amount } }]),
  evolve: (state, event) => ({ total: state.total + event.data.amount, events: state.events + 1 }),
};

const meta = (commandId: string = randomUUID()): CommandMeta => ({
  commandId,
  correlationId: commandId,
  causationId: commandId,
  actor: { id: 'tester', role: 'integration', party: 'MA' },
  now: '2026-11-29T00:00:00.000Z',
});

/** The real in-memory store, recording which revisions each readStream asked for. */
class CountingStore extends InMemoryEventStore {
  readonly reads: { streamId: string; fromRevision?: number; returned: number }[] = [];
  override async readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    const events = await super.readStream(streamId, options);
    this.reads.push({ streamId, fromRevision: options?.fromRevision, returned: events.length });
    return events;
  }
}

/** Appends directly, as another API instance would: the cache here does not see it happen. */
async function appendElsewhere(store: EventStore, streamId: string, amount: number): Promise<void> {
  const history = await store.readStream(streamId);
  const events = chainEvents(streamId, history.length, lastHashOf(history), [
    { id: randomUUID(), type: 'Added', data: { amount }, metadata: { commandId: randomUUID() } },
  ]);
  await store.append(streamId, events, { expectedRevision: history.length === 0 ? 'no_stream' : history.length - 1 });
}

const total = async (store: EventStore, streamId: string) =>
  (await store.readStream(streamId)).reduce((sum, e) => sum + (e.data as { amount: number }).amount, 0);

describe('StreamStateCache on the command path', () => {
  it('reads a stream once, then only the events after the revision it holds', async () => {
    const store = new CountingStore();
    const cache = new StreamStateCache();
    for (let i = 1; i <= 5; i++) await runCommand(store, cache, 's-1', counter, () => ({ amount: i }), meta());
    expect(store.reads.map((r) => r.fromRevision)).toEqual([undefined, 1, 2, 3, 4]);
    expect(store.reads.every((r) => r.returned === 0)).toBe(true);
    const snapshot = await cache.load(store, 's-1', counter.initialState, counter.evolve as never);
    expect(snapshot.state).toEqual({ total: 15, events: 5 });
    expect(snapshot.revision).toBe(4);
    expect(snapshot.lastHash).toBe(lastHashOf(await store.readStream('s-1')));
  });

  it('folds in what another instance appended, and chains onto its hash', async () => {
    const store = new InMemoryEventStore();
    const cache = new StreamStateCache();
    await runCommand(store, cache, 's-2', counter, () => ({ amount: 1 }), meta());
    await appendElsewhere(store, 's-2', 10);
    await appendElsewhere(store, 's-2', 100);
    const result = await runCommand(store, cache, 's-2', counter, () => ({ amount: 1000 }), meta());
    expect(result.revision).toBe(3);
    expect(await total(store, 's-2')).toBe(1111);
    const events = await store.readStream('s-2');
    expect(events[3].metadata.prevHash).toBe(events[2].metadata.hash);
    const snapshot = await cache.load(store, 's-2', counter.initialState, counter.evolve as never);
    expect(snapshot.state).toEqual({ total: 1111, events: 4 });
  });

  it('answers a repeated command id from the cache without writing again, even after other commands', async () => {
    const store = new InMemoryEventStore();
    const cache = new StreamStateCache();
    const first = await runCommand(store, cache, 's-3', counter, () => ({ amount: 7 }), meta('command-a'));
    await runCommand(store, cache, 's-3', counter, () => ({ amount: 8 }), meta('command-b'));
    const again = await runCommand(store, cache, 's-3', counter, () => ({ amount: 7 }), meta('command-a'));
    expect(again.repeated).toBe(true);
    expect(again.events).toEqual(first.events);
    expect(await store.readStream('s-3')).toHaveLength(2);
    // A fresh cache (a restarted process) finds the same answer in the stream itself.
    const fresh = await runCommand(
      store,
      new StreamStateCache(),
      's-3',
      counter,
      () => ({ amount: 7 }),
      meta('command-a'),
    );
    expect(fresh).toEqual(again);
  });

  it('keeps concurrent commands on one stream gap-free and loses none', async () => {
    const store = new InMemoryEventStore();
    const cache = new StreamStateCache();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, () => runCommand(store, cache, 's-4', counter, () => ({ amount: 1 }), meta())),
    );
    const written = outcomes.filter((o) => o.status === 'fulfilled').length;
    const events = await store.readStream('s-4');
    expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
    expect(events).toHaveLength(written);
    const snapshot = await cache.load(store, 's-4', counter.initialState, counter.evolve as never);
    expect(snapshot.state.total).toBe(written);
  });

  it('does not move a stream back to an older snapshot', async () => {
    const store = new InMemoryEventStore();
    const cache = new StreamStateCache();
    await runCommand(store, cache, 's-5', counter, () => ({ amount: 1 }), meta());
    const old = await cache.load(store, 's-5', counter.initialState, counter.evolve as never);
    await runCommand(store, cache, 's-5', counter, () => ({ amount: 2 }), meta());
    cache.advance('s-5', old, [], counter.evolve as never);
    const now = await cache.load(store, 's-5', counter.initialState, counter.evolve as never);
    expect(now.revision).toBe(1);
    expect(now.state.total).toBe(3);
  });

  it('keeps at most its capacity, dropping the least recently used stream', async () => {
    const store = new CountingStore();
    const cache = new StreamStateCache(2);
    for (const id of ['s-a', 's-b', 's-c']) await runCommand(store, cache, id, counter, () => ({ amount: 1 }), meta());
    expect(cache.size).toBe(2);
    store.reads.length = 0;
    await cache.load(store, 's-a', counter.initialState, counter.evolve as never);
    await cache.load(store, 's-c', counter.initialState, counter.evolve as never);
    // 's-a' was dropped (read whole again), 's-c' was kept (read after its revision).
    expect(store.reads.map((r) => r.fromRevision)).toEqual([undefined, 1]);
  });

  it('caches nothing for an empty stream and a decision with no events', async () => {
    const store = new InMemoryEventStore();
    const cache = new StreamStateCache();
    const result = await runCommand(store, cache, 's-6', counter, () => ({ amount: 0 }), meta());
    expect(result).toMatchObject({ revision: -1, events: [], repeated: false });
    expect(cache.size).toBe(0);
    const snapshot = await cache.load(store, 's-6', counter.initialState, counter.evolve as never);
    expect(snapshot.lastHash).toBe(GENESIS_HASH);
  });
});
