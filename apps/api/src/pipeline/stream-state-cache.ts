import { GENESIS_HASH } from '@accord/audit';
import type { EventStore, RecordedEvent } from '@accord/event-store';

/** What a command already wrote, kept to answer a repeat of it as it was answered then. */
export interface WrittenEvent {
  readonly type: string;
  readonly revision: number;
  readonly position: number;
}

/** A stream folded up to `revision`: everything a command needs of it. */
export interface StreamSnapshot<S> {
  readonly revision: number;
  /** Global position of the stream's last event (0 when it has none). */
  readonly position: number;
  readonly state: S;
  readonly lastHash: string;
  /** Events by the command id that wrote them, for the in-stream duplicate check. */
  readonly commands: ReadonlyMap<string, readonly WrittenEvent[]>;
}

/** The process's cache of folded streams (one per event store). */
export const STREAM_CACHE = Symbol('STREAM_CACHE');

/** Streams kept by default; a stream costs its folded state and one small entry per command. */
export const DEFAULT_STREAM_CACHE_SIZE = 10_000;

/**
 * Folded streams by stream id, least recently used dropped first (decision 0009). A command
 * reads only the events after the revision cached here, so its cost does not grow with the
 * stream; another instance's appends are those events, so the cache is never stale. Only
 * events read from the store or acknowledged by it enter the cache.
 */
export class StreamStateCache {
  private readonly streams = new Map<string, StreamSnapshot<unknown>>();
  /** The last command queued on each stream (removed once the queue empties). */
  private readonly turns = new Map<string, Promise<unknown>>();

  constructor(readonly capacity = DEFAULT_STREAM_CACHE_SIZE) {}

  get size(): number {
    return this.streams.size;
  }

  /**
   * Runs `work` once every command queued before it on the same stream has finished: the
   * commands of one process on one stream take turns instead of conflicting with each other.
   */
  exclusive<T>(streamId: string, work: () => Promise<T>): Promise<T> {
    const before = this.turns.get(streamId);
    const run = before ? before.then(work, work) : work();
    const turn = run.catch(() => undefined);
    this.turns.set(streamId, turn);
    void turn.then(() => {
      if (this.turns.get(streamId) === turn) this.turns.delete(streamId);
    });
    return run;
  }

  /** The stream folded to its current end: the cached snapshot plus whatever was appended since. */
  async load<S>(
    store: EventStore,
    streamId: string,
    initialState: S,
    evolve: (state: S, event: RecordedEvent) => S,
  ): Promise<StreamSnapshot<S>> {
    const cached = this.streams.get(streamId) as StreamSnapshot<S> | undefined;
    const base: StreamSnapshot<S> = cached ?? {
      revision: -1,
      position: 0,
      state: initialState,
      lastHash: GENESIS_HASH,
      commands: new Map(),
    };
    const newer = await store.readStream(streamId, base.revision < 0 ? {} : { fromRevision: base.revision + 1 });
    return this.advance(streamId, base, newer, evolve);
  }

  /** Folds events the store acknowledged onto the snapshot they were decided on, and keeps the result. */
  advance<S>(
    streamId: string,
    base: StreamSnapshot<S>,
    events: readonly RecordedEvent[],
    evolve: (state: S, event: RecordedEvent) => S,
  ): StreamSnapshot<S> {
    let snapshot = base;
    if (events.length > 0 && events[0].revision === base.revision + 1) {
      let state = base.state;
      // Shared by every snapshot of the stream and only ever added to: an id in it is an
      // event that is in the stream, whichever snapshot looks.
      const commands = base.commands as Map<string, WrittenEvent[]>;
      for (const event of events) {
        state = evolve(state, event);
        const commandId = event.metadata.commandId;
        if (typeof commandId === 'string') {
          const written = commands.get(commandId) ?? [];
          // The same events may arrive twice: read by one command, acknowledged to another.
          if (written.every((w) => w.revision !== event.revision))
            written.push({ type: event.type, revision: event.revision, position: event.position });
          commands.set(commandId, written);
        }
      }
      const last = events[events.length - 1];
      snapshot = {
        revision: last.revision,
        position: last.position,
        state,
        lastHash: typeof last.metadata.hash === 'string' ? last.metadata.hash : GENESIS_HASH,
        commands,
      };
    }
    this.keep(streamId, snapshot);
    return snapshot;
  }

  private keep(streamId: string, snapshot: StreamSnapshot<unknown>): void {
    if (this.capacity <= 0 || snapshot.revision < 0) return;
    const current = this.streams.get(streamId);
    // Concurrent commands finish in any order: never go back to an older revision.
    if (current && current.revision > snapshot.revision) return;
    this.streams.delete(streamId);
    this.streams.set(streamId, snapshot);
    if (this.streams.size > this.capacity) this.streams.delete(this.streams.keys().next().value as string);
  }
}
