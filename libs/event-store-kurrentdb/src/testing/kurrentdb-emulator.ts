/**
 * FOR TESTS ONLY: an in-process stand-in for a KurrentDB server behind the official
 * client, so that the adapter's own logic runs where no server can. It is not KurrentDB:
 * it reproduces the behaviour the adapter relies on, as KurrentDB's server code and the
 * client define it, and throws the client's real error classes:
 *
 * - appends check the expected state and recognise repeated ids the way the server's
 *   IndexCommitter.CheckCommit does (ids at the expected point for a revision or
 *   no_stream; the recent-id cache, same stream only, for any and stream_exists; a partial
 *   repeat is a wrong expected version), and answer a repeat with the original revision;
 * - every event is its own committed record: commit = prepare position, increasing with
 *   gaps (the record's size); a `$>` link to `$ce-<category>` follows each event, as the
 *   $by_category projection writes them;
 * - `$all` reads start inclusively at a record's position and refuse any other position;
 *   filters (event-type regex, stream-name prefixes) apply on the server, and maxCount
 *   counts the events that pass;
 * - an unknown stream reads as StreamNotFoundError; subscribeToAll follows from the end.
 *
 * Faults can be injected to exercise the adapter's recovery paths.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  ANY,
  BACKWARDS,
  DeadlineExceededError,
  END,
  MaxAppendSizeExceededError,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  STREAM_NAME,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import type {
  AllStreamResolvedEvent,
  AppendResult,
  AppendStreamState,
  AppendToStreamOptions,
  EventData,
  Filter,
  ReadAllOptions,
  ReadStreamOptions,
  SubscribeToAllOptions,
} from '@kurrent/kurrentdb-client';
import type { KurrentDbClientLike } from '../kurrentdb-event-store';

export interface KurrentDbEmulatorOptions {
  /** Bytes of event data one append may carry: KurrentDB's MaxAppendSize, 1 MiB unless configured. */
  readonly maxAppendSize?: number;
  /** Largest random delay, in ms, before a call is served and before it answers. */
  readonly latencyMs?: number;
}

interface StoredRecord {
  readonly stream: string;
  readonly id: string;
  readonly type: string;
  readonly revision: number;
  readonly position: bigint;
  readonly created: Date;
  readonly isJson: boolean;
  readonly data: string | Uint8Array;
  readonly metadata: string | undefined;
}

type AppendFault = 'unavailable-before-write' | 'response-lost-after-write';

class EmulatedSubscription extends EventEmitter {
  constructor(
    readonly filter: Filter | undefined,
    private readonly onUnsubscribe: (s: EmulatedSubscription) => void,
  ) {
    super();
  }

  async unsubscribe(): Promise<void> {
    this.onUnsubscribe(this);
    this.emit('close');
  }
}

export class KurrentDbEmulator {
  private readonly log: StoredRecord[] = [];
  private readonly streams = new Map<string, StoredRecord[]>();
  /** The server's recent-id cache; unbounded here. */
  private readonly committed = new Map<string, { stream: string; revision: number }>();
  private readonly subscriptions = new Set<EmulatedSubscription>();
  private readonly appendFaults: AppendFault[] = [];
  private head = 1024n;
  private readAllFailures = 0;
  /** Calls served, for tests that assert on the traffic. */
  readonly calls = { append: 0, written: 0, readStream: 0, readAll: 0, subscribeToAll: 0 };

  constructor(private readonly options: KurrentDbEmulatorOptions = {}) {}

  get liveSubscriptions(): number {
    return this.subscriptions.size;
  }

  /** The next appends fail, either before writing or after writing (the answer is lost). */
  failAppends(...faults: AppendFault[]): void {
    this.appendFaults.push(...faults);
  }

  /** The next `count` reads of `$all` fail as unavailable. */
  failReadAlls(count: number): void {
    this.readAllFailures += count;
  }

  /** Every live subscription fails, as when the connection drops. */
  breakSubscriptions(): void {
    for (const subscription of [...this.subscriptions]) {
      this.subscriptions.delete(subscription);
      subscription.emit('error', new UnavailableError(undefined, 'emulated: connection lost'));
    }
  }

  /** A client connected to this emulator, disposed on its own. */
  client(): KurrentDbClientLike {
    let disposed = false;
    const mine = new Set<EmulatedSubscription>();
    const open = (): void => {
      if (disposed) throw new Error('emulator: the client was used after dispose()');
    };
    const client = {
      appendToStream: async (name: string, events: EventData | EventData[], options: AppendToStreamOptions = {}) => {
        open();
        this.calls.append++;
        await this.delay();
        const fault = this.appendFaults.shift();
        if (fault === 'unavailable-before-write') throw new UnavailableError(undefined, 'emulated: unavailable');
        const result = this.write(name, Array.isArray(events) ? events : [events], options.streamState ?? ANY);
        if (fault === 'response-lost-after-write') throw new DeadlineExceededError(undefined, 'emulated: answer lost');
        await this.delay();
        return result;
      },
      readStream: (name: string, options: ReadStreamOptions = {}) => {
        open();
        this.calls.readStream++;
        return this.readStream(name, options);
      },
      readAll: (options: ReadAllOptions = {}) => {
        open();
        this.calls.readAll++;
        return this.readAll(options);
      },
      subscribeToAll: (options: SubscribeToAllOptions = {}) => {
        open();
        this.calls.subscribeToAll++;
        if (options.fromPosition !== END) throw new Error('emulator: only subscriptions from the end are emulated');
        const subscription = new EmulatedSubscription(options.filter, (s) => {
          this.subscriptions.delete(s);
          mine.delete(s);
        });
        this.subscriptions.add(subscription);
        mine.add(subscription);
        return subscription;
      },
      dispose: async () => {
        disposed = true;
        await Promise.all([...mine].map((s) => s.unsubscribe()));
      },
    };
    return client as unknown as KurrentDbClientLike;
  }

  // ------------------------------------------------------------------ server behaviour

  private write(name: string, events: readonly EventData[], state: AppendStreamState): AppendResult {
    const size = events.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e.data)), 0);
    const maxAppendSize = this.options.maxAppendSize ?? 1024 * 1024;
    if (size > maxAppendSize) throw MaxAppendSizeExceededError.fromMaxAppendSize(maxAppendSize);

    const stream = this.streams.get(name) ?? [];
    const current = stream.length - 1;
    const wrong = (): WrongExpectedVersionError =>
      new WrongExpectedVersionError(undefined, {
        streamName: name,
        expected: state,
        current: current < 0 ? NO_STREAM : BigInt(current),
      });
    const ids = events.map((e) => e.id.toLowerCase());

    if (state === STREAM_EXISTS && current < 0) throw wrong();
    if (state === ANY || state === STREAM_EXISTS) {
      // The first id unknown (or in another stream): a new write. Known: every id must be.
      const first = this.committed.get(ids[0]);
      if (first && first.stream === name) {
        let end = first.revision;
        for (const id of ids) {
          const info = this.committed.get(id);
          if (!info || info.stream !== name) throw wrong();
          end = info.revision;
        }
        return this.success(name, end);
      }
    } else {
      const expected = state === NO_STREAM ? -1 : Number(state);
      if (expected < current) {
        for (const [i, id] of ids.entries()) {
          if (stream[expected + 1 + i]?.id !== id) throw wrong();
        }
        return this.success(name, expected + ids.length);
      }
      if (expected > current) throw wrong();
    }

    const created = new Date();
    const written: StoredRecord[] = [];
    for (const [i, event] of events.entries()) {
      const record = this.record({
        stream: name,
        id: ids[i],
        type: event.type,
        revision: stream.length,
        created,
        isJson: true,
        data: JSON.stringify(event.data),
        metadata: event.metadata === undefined ? undefined : JSON.stringify(event.metadata),
      });
      stream.push(record);
      this.committed.set(record.id, { stream: name, revision: record.revision });
      written.push(record);
    }
    this.streams.set(name, stream);
    const category = name.includes('-') ? name.slice(0, name.indexOf('-')) : undefined;
    if (category !== undefined) {
      const links = this.streams.get(`$ce-${category}`) ?? [];
      for (const event of written) {
        links.push(
          this.record({
            stream: `$ce-${category}`,
            id: randomUUID(),
            type: '$>',
            revision: links.length,
            created,
            isJson: false,
            data: Buffer.from(`${event.revision}@${name}`),
            metadata: undefined,
          }),
        );
      }
      this.streams.set(`$ce-${category}`, links);
    }
    this.calls.written++;
    setImmediate(() => this.publish(written));
    return this.success(name, stream.length - 1);
  }

  private record(fields: Omit<StoredRecord, 'position'>): StoredRecord {
    const record = { ...fields, position: this.head };
    this.head += BigInt(100 + (typeof fields.data === 'string' ? fields.data.length : fields.data.byteLength));
    this.log.push(record);
    return record;
  }

  private success(name: string, last: number): AppendResult {
    const position = (this.streams.get(name) as StoredRecord[])[last].position;
    return { success: true, nextExpectedRevision: BigInt(last), position: { commit: position, prepare: position } };
  }

  private async *readStream(
    name: string,
    { fromRevision = START, direction, maxCount = Number.MAX_SAFE_INTEGER }: ReadStreamOptions,
  ): AsyncGenerator<AllStreamResolvedEvent> {
    await this.delay();
    const stream = this.streams.get(name);
    if (!stream) throw new StreamNotFoundError(undefined, name);
    const count = Number(maxCount);
    const last = stream.length - 1;
    if (direction === BACKWARDS) {
      const from = fromRevision === END ? last : fromRevision === START ? 0 : Number(fromRevision);
      if (from > last) throw new Error('emulator: a backwards read from beyond the end is not emulated');
      for (let r = from; r >= 0 && from - r < count; r--) yield resolve(stream[r]);
      return;
    }
    const from = fromRevision === START ? 0 : fromRevision === END ? stream.length : Number(fromRevision);
    for (let r = from; r <= last && r - from < count; r++) yield resolve(stream[r]);
  }

  private async *readAll({
    fromPosition = START,
    direction,
    maxCount = Number.MAX_SAFE_INTEGER,
    filter,
  }: ReadAllOptions): AsyncGenerator<AllStreamResolvedEvent> {
    await this.delay();
    if (this.readAllFailures > 0) {
      this.readAllFailures--;
      throw new UnavailableError(undefined, 'emulated: unavailable');
    }
    const count = Number(maxCount);
    if (direction === BACKWARDS) {
      if (fromPosition !== END) throw new Error('emulator: only backwards reads from the end are emulated');
      let n = 0;
      for (let i = this.log.length - 1; i >= 0 && n < count; i--) {
        if (!matches(this.log[i], filter)) continue;
        n++;
        yield resolve(this.log[i]);
      }
      return;
    }
    let start = 0;
    if (fromPosition === END) start = this.log.length;
    else if (fromPosition !== START) {
      if (fromPosition.commit !== fromPosition.prepare) throw new Error('emulator: commit and prepare differ');
      start = this.indexOf(fromPosition.commit);
      if (start < 0) throw new Error(`emulator: $all read from ${fromPosition.commit}, not the position of a record`);
    }
    // A snapshot, as one server read sees the log at one instant.
    const end = this.log.length;
    let n = 0;
    for (let i = start; i < end && n < count; i++) {
      if (!matches(this.log[i], filter)) continue;
      n++;
      yield resolve(this.log[i]);
    }
  }

  private indexOf(position: bigint): number {
    let low = 0;
    let high = this.log.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const at = this.log[mid].position;
      if (at === position) return mid;
      if (at < position) low = mid + 1;
      else high = mid - 1;
    }
    return -1;
  }

  private publish(records: readonly StoredRecord[]): void {
    for (const subscription of this.subscriptions) {
      for (const record of records) {
        if (matches(record, subscription.filter)) subscription.emit('data', resolve(record));
      }
    }
  }

  private delay(): Promise<void> {
    const latency = this.options.latencyMs ?? 0;
    return new Promise((done) =>
      latency > 0 ? setTimeout(done, Math.floor(Math.random() * (latency + 1))) : setImmediate(done),
    );
  }
}

function matches(record: StoredRecord, filter: Filter | undefined): boolean {
  if (!filter) return true;
  const subject = filter.filterOn === STREAM_NAME ? record.stream : record.type;
  return 'regex' in filter
    ? new RegExp(filter.regex).test(subject)
    : filter.prefixes.some((p) => subject.startsWith(p));
}

/** What the client yields for a record: JSON parsed back, positions as bigints. */
function resolve(record: StoredRecord): AllStreamResolvedEvent {
  const position = { commit: record.position, prepare: record.position };
  const common = {
    streamId: record.stream,
    id: record.id,
    revision: BigInt(record.revision),
    type: record.type,
    created: new Date(record.created),
    metadata: record.metadata === undefined ? undefined : JSON.parse(record.metadata),
    position,
  };
  const event = record.isJson
    ? { ...common, isJson: true as const, data: JSON.parse(record.data as string) }
    : { ...common, isJson: false as const, data: record.data as Uint8Array };
  return { event, commitPosition: record.position } as AllStreamResolvedEvent;
}
