import { AppendNotifier } from './append-notifier';
import { checkExpectedRevision, isSameBatch, repeatFitsExpected, validateAppend } from './append-rules';
import { CatchUpSubscription } from './catch-up-subscription';
import { DuplicateEventIdError, StoreClosedError, WrongExpectedRevisionError } from './event-store.errors';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
  Subscription,
} from './event-store.port';
import { readStreamSlice } from './read-stream-slice';

/** For tests and for trying things out: nothing survives the process. */
export class InMemoryEventStore implements EventStore {
  private readonly log: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly byId = new Map<string, RecordedEvent>();
  private readonly notifier = new AppendNotifier();
  private readonly subscriptions = new Set<Subscription>();
  private closed = false;

  constructor(private readonly options: { pollIntervalMs?: number } = {}) {}

  /** Live subscriptions and waiting followers; both zero once every subscription stopped. */
  get resources(): { subscriptions: number; waiting: number } {
    return { subscriptions: this.subscriptions.size, waiting: this.notifier.waiting };
  }

  async append(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    if (this.closed) throw new StoreClosedError();
    const expected = options.expectedRevision ?? 'any';
    validateAppend(streamId, events, expected);

    const stream = this.streams.get(streamId) ?? [];
    const current = stream.length === 0 ? 'no_stream' : stream.length - 1;

    const first = this.byId.get(events[0].id.toLowerCase());
    if (first) {
      const recorded = first.streamId === streamId ? stream.slice(first.revision, first.revision + events.length) : [];
      if (!isSameBatch(events, recorded)) throw new DuplicateEventIdError(streamId, events[0].id);
      if (!repeatFitsExpected(expected, first.revision))
        throw new WrongExpectedRevisionError(streamId, expected, current);
      return result(streamId, recorded, true);
    }
    for (const event of events) {
      if (this.byId.has(event.id.toLowerCase())) throw new DuplicateEventIdError(streamId, event.id);
    }
    checkExpectedRevision(streamId, expected, current);

    const recordedAt = new Date().toISOString();
    let position = this.log.length === 0 ? 0 : this.log[this.log.length - 1].position;
    const recorded = events.map((event, i): RecordedEvent =>
      deepFreeze({
        streamId,
        revision: stream.length + i,
        position: ++position,
        id: event.id,
        type: event.type,
        schemaVersion: event.schemaVersion ?? 1,
        data: structuredClone(event.data),
        metadata: structuredClone(event.metadata ?? {}),
        recordedAt,
      }),
    );
    stream.push(...recorded);
    this.streams.set(streamId, stream);
    this.log.push(...recorded);
    for (const event of recorded) this.byId.set(event.id.toLowerCase(), event);
    this.notifier.notify();
    return result(streamId, recorded, false);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    if (this.closed) throw new StoreClosedError();
    return readStreamSlice(this.streams.get(streamId) ?? [], options);
  }

  async headPosition(): Promise<number> {
    return this.log.length === 0 ? 0 : this.log[this.log.length - 1].position;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    if (this.closed) throw new StoreClosedError();
    const after = options.after ?? 0;
    const maxCount = Math.max(0, Math.floor(options.maxCount ?? 1000));
    // Positions here are 1..n without gaps, so the index of position p is p - 1.
    const start = Math.max(0, Math.floor(after));
    return this.log.slice(start, start + maxCount);
  }

  subscribe(options: SubscribeOptions = {}): Subscription {
    if (this.closed) throw new StoreClosedError();
    const subscription = new CatchUpSubscription(
      {
        readPage: (after, maxCount) => (this.closed ? Promise.resolve([]) : this.readAll({ after, maxCount })),
        waitForAppend: (after, signal) =>
          this.log.length > after ? Promise.resolve() : this.notifier.wait(signal, this.options.pollIntervalMs ?? 1000),
      },
      { after: options.after, onStop: (s) => this.subscriptions.delete(s) },
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
  }
}

function result(streamId: string, events: RecordedEvent[], idempotent: boolean): AppendResult {
  const last = events[events.length - 1];
  return { streamId, revision: last.revision, position: last.position, events, idempotent };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
