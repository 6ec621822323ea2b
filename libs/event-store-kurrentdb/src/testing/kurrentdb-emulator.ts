/**
 * FOR TESTS ONLY: an in-process stand-in for a KurrentDB server behind the official
 * client, so that the adapter's own logic runs where no server can. It is not KurrentDB:
 * it reproduces the behaviour the adapter relies on as KurrentDB's server code defines
 * it, and answers with what client 1.3.1 surfaces for it (its real error classes, and,
 * for reads, what its Rust bridge turns the server's replies into):
 *
 * - appends check the expected state and recognise repeated ids the way the server's
 *   IndexCommitter.CheckCommit does (ids at the expected point for a revision or
 *   no_stream; the recent-id cache, same stream only, for any and stream_exists; a partial
 *   repeat is a wrong expected version), and answer a repeat with the original revision;
 * - an append over `maxAppendSize` fails as MaxAppendSizeExceededError, an event over
 *   `maxAppendEventSize` as the UnknownError the client makes of the server's
 *   MaximumAppendEventSizeExceeded; sizes are counted as the server counts them;
 * - every event is its own committed record: commit = prepare position, increasing with
 *   gaps (the record's size); a `$>` link to `$ce-<category>` follows each event, as the
 *   $by_category projection writes them;
 * - stream reads carry the events' commit positions, or, as servers before 22.6 answer
 *   them, none (`streamReadPositions`);
 * - `$all` reads start inclusively (forwards) or exclusively (backwards) at a record's
 *   position; from any other position inside the log the server fails the read, which
 *   the client's bridge reports as a bare UnavailableError; beyond the end a read is
 *   empty. Filters (event-type regex, stream-name prefixes) apply on the server, and
 *   maxCount counts the events that pass;
 * - an unknown stream reads as StreamNotFoundError; subscribeToAll follows from the end,
 *   confirmed once the server has it (the client's `confirmation` event).
 *
 * Faults can be injected to exercise the adapter's recovery paths: lost or refused
 * appends, unavailable reads, dropped or ended subscriptions, and a node that is not the
 * leader.
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
  NotLeaderError,
  START,
  STREAM_EXISTS,
  STREAM_NAME,
  StreamNotFoundError,
  UnavailableError,
  UnknownError,
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
  /**
   * Bytes one append may carry: KurrentDB's MaxAppendSize. 1 MiB by default, as on
   * servers up to 25.0 (25.1 raised the default to 256 MiB).
   */
  readonly maxAppendSize?: number;
  /** Bytes one event may take: KurrentDB's MaxAppendEventSize (25.0 on); no limit by default, as on 25.0. */
  readonly maxAppendEventSize?: number;
  /**
   * How an append's size is counted: `record` (default), as servers from 25.0 count it,
   * data + metadata + twice the type's length for each event; `data`, as servers up to
   * 24.10 count it, the events' data alone.
   */
  readonly appendSizeRule?: 'record' | 'data';
  /**
   * What stream reads say of an event's place in `$all`: `recorded` (default), its commit
   * position, as servers from 22.6 report it; `end`, no position, which the client's
   * bridge yields as commit and prepare 2^64 - 1, as servers before 22.6 answer; `absent`,
   * no position at all.
   */
  readonly streamReadPositions?: 'recorded' | 'end' | 'absent';
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

/** Where the emulated node that is not the leader says the leader is. */
export const EMULATED_LEADER = { host: 'node2.emulated', port: 2113 } as const;

/** The position the client's bridge reports for a stream read on a server that gives none (Position.End). */
const NO_POSITION = 2n ** 64n - 1n;
/** Bytes of record framing beyond the event's own, so that positions have gaps as byte offsets do. */
const RECORD_OVERHEAD = 100n;

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

/** The bridge reports a read that the server failed with status Unknown (an invalid position, among others) as this. */
function bridgeUnavailable(): UnavailableError {
  return new UnavailableError({ name: 'UnavailableError', message: 'UnavailableError', metadata: {} } as never);
}

function notLeader(viaBridge: boolean): NotLeaderError {
  const { host, port } = EMULATED_LEADER;
  const message = viaBridge
    ? `NotLeaderError(Endpoint { host: "${host}", port: ${port} })`
    : '5 NOT_FOUND: Leader info available';
  return new NotLeaderError({
    name: 'NotLeaderError',
    message,
    code: 5,
    metadata: { 'leader-endpoint-host': host, 'leader-endpoint-port': String(port) },
  } as never);
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
  private notLeader: { requests: number; refuse: 'reads' | 'appends' } = { requests: 0, refuse: 'reads' };
  /** Calls served, for tests that assert on the traffic. */
  readonly calls = { append: 0, written: 0, readStream: 0, readAll: 0, subscribeToAll: 0, notLeader: 0 };

  constructor(private readonly options: KurrentDbEmulatorOptions = {}) {}

  get liveSubscriptions(): number {
    return this.subscriptions.size;
  }

  /** The position just past the last record: where the next record will start. */
  get endOfLog(): number {
    return Number(this.head);
  }

  /** The next appends fail, either before writing or after writing (the answer is lost). */
  failAppends(...faults: AppendFault[]): void {
    this.appendFaults.push(...faults);
  }

  /** The next `count` reads of `$all` fail as unavailable. */
  failReadAlls(count: number): void {
    this.readAllFailures += count;
  }

  /**
   * The node the clients are connected to is not the leader for the next `requests`
   * requests that must run on one: `reads` with `requiresLeader` (as a follower refuses
   * them), or `appends` (as a read-only replica refuses them). It refuses them with
   * NotLeaderError naming EMULATED_LEADER, after which the client reconnects to the
   * leader. A follower forwards appends without `requiresLeader` to the leader.
   */
  refuseAsNotLeader(requests: number, refuse: 'reads' | 'appends' = 'reads'): void {
    this.notLeader = { requests, refuse };
  }

  /** Every live subscription fails (the connection dropped, by default), as the client reports it. */
  breakSubscriptions(error: Error = new UnavailableError(undefined, 'emulated: connection lost')): void {
    for (const subscription of [...this.subscriptions]) {
      this.subscriptions.delete(subscription);
      subscription.emit('error', error);
    }
  }

  /** The server ends every live subscription without an error (as on shutdown): the client ends and closes it. */
  endSubscriptions(): void {
    for (const subscription of [...this.subscriptions]) {
      this.subscriptions.delete(subscription);
      subscription.emit('end');
      subscription.emit('close');
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
        if (this.refusesAsNotLeader(this.notLeader.refuse === 'appends' || options.requiresLeader === true)) {
          throw notLeader(false);
        }
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
        setImmediate(() => subscription.emit('confirmation'));
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

  private refusesAsNotLeader(needsLeader: boolean): boolean {
    if (!needsLeader || this.notLeader.requests <= 0) return false;
    this.notLeader.requests--;
    this.calls.notLeader++;
    return true;
  }

  /** Streams.BatchAppend: the size of each event and of the whole append, as the server counts them. */
  private checkSize(events: readonly EventData[]): void {
    const maxAppendSize = this.options.maxAppendSize ?? 1024 * 1024;
    const maxAppendEventSize = this.options.maxAppendEventSize ?? Infinity;
    let size = 0;
    for (const event of events) {
      const data = Buffer.byteLength(JSON.stringify(event.data));
      const metadata = event.metadata === undefined ? 0 : Buffer.byteLength(JSON.stringify(event.metadata));
      const eventSize = this.options.appendSizeRule === 'data' ? data : data + metadata + event.type.length * 2;
      if (eventSize > maxAppendEventSize) {
        // The client 1.3.1 does not know this reply (MaximumAppendEventSizeExceeded) and makes this of it.
        throw new UnknownError(undefined, 'Could not recognize MaximumAppendEventSizeExceeded');
      }
      size += eventSize;
      if (size > maxAppendSize) throw MaxAppendSizeExceededError.fromMaxAppendSize(maxAppendSize);
    }
  }

  private write(name: string, events: readonly EventData[], state: AppendStreamState): AppendResult {
    this.checkSize(events);

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
    this.head +=
      RECORD_OVERHEAD + BigInt(typeof fields.data === 'string' ? fields.data.length : fields.data.byteLength);
    this.log.push(record);
    return record;
  }

  private success(name: string, last: number): AppendResult {
    const position = (this.streams.get(name) as StoredRecord[])[last].position;
    return { success: true, nextExpectedRevision: BigInt(last), position: { commit: position, prepare: position } };
  }

  private async *readStream(
    name: string,
    { fromRevision = START, direction, maxCount = Number.MAX_SAFE_INTEGER, requiresLeader }: ReadStreamOptions,
  ): AsyncGenerator<AllStreamResolvedEvent> {
    await this.delay();
    if (this.refusesAsNotLeader(this.notLeader.refuse === 'reads' && requiresLeader === true)) throw notLeader(true);
    const stream = this.streams.get(name);
    if (!stream) throw new StreamNotFoundError(undefined, name);
    const count = Number(maxCount);
    const last = stream.length - 1;
    const positions = this.options.streamReadPositions ?? 'recorded';
    const fromStream = (record: StoredRecord): AllStreamResolvedEvent =>
      positions === 'recorded' ? resolve(record) : resolve(record, positions === 'end' ? NO_POSITION : undefined);
    if (direction === BACKWARDS) {
      const from = fromRevision === END ? last : fromRevision === START ? 0 : Number(fromRevision);
      if (from > last) throw new Error('emulator: a backwards read from beyond the end is not emulated');
      for (let r = from; r >= 0 && from - r < count; r--) yield fromStream(stream[r]);
      return;
    }
    const from = fromRevision === START ? 0 : fromRevision === END ? stream.length : Number(fromRevision);
    for (let r = from; r <= last && r - from < count; r++) yield fromStream(stream[r]);
  }

  private async *readAll({
    fromPosition = START,
    direction,
    maxCount = Number.MAX_SAFE_INTEGER,
    filter,
    requiresLeader,
  }: ReadAllOptions): AsyncGenerator<AllStreamResolvedEvent> {
    await this.delay();
    if (this.refusesAsNotLeader(this.notLeader.refuse === 'reads' && requiresLeader === true)) throw notLeader(true);
    if (this.readAllFailures > 0) {
      this.readAllFailures--;
      throw new UnavailableError(undefined, 'emulated: unavailable');
    }
    const count = Number(maxCount);
    // A snapshot, as one server read sees the log at one instant.
    const end = this.log.length;
    if (direction === BACKWARDS) {
      // Backwards from a position: the records that end at or before it, latest first.
      const before = fromPosition === END ? end : fromPosition === START ? 0 : this.recordIndex(fromPosition, end);
      let n = 0;
      for (let i = before - 1; i >= 0 && n < count; i--) {
        if (!matches(this.log[i], filter)) continue;
        n++;
        yield resolve(this.log[i]);
      }
      return;
    }
    const start = fromPosition === START ? 0 : fromPosition === END ? end : this.recordIndex(fromPosition, end);
    let n = 0;
    for (let i = start; i < end && n < count; i++) {
      if (!matches(this.log[i], filter)) continue;
      n++;
      yield resolve(this.log[i]);
    }
  }

  /**
   * The index of the record at `position` (or `end` at or past the end of the log). The
   * server reads a record at the byte offset it is given: inside a record it finds no
   * valid length prefix and fails the read (InvalidPosition, status Unknown), which the
   * client's bridge reports as a bare UnavailableError.
   */
  private recordIndex(position: { readonly commit: bigint; readonly prepare: bigint }, end: number): number {
    if (position.commit !== position.prepare) throw new Error('emulator: commit and prepare differ');
    if (position.commit >= this.head) return end;
    let low = 0;
    let high = end - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const at = this.log[mid].position;
      if (at === position.commit) return mid;
      if (at < position.commit) low = mid + 1;
      else high = mid - 1;
    }
    throw bridgeUnavailable();
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

/**
 * What the client yields for a record: JSON parsed back, positions as bigints. `commit`
 * overrides what a stream read reports: NO_POSITION, or undefined for no position.
 */
function resolve(record: StoredRecord, commit: bigint | undefined = record.position): AllStreamResolvedEvent {
  const position = commit === undefined ? undefined : { commit, prepare: commit };
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
  return (
    commit === record.position ? { event, commitPosition: record.position } : { event }
  ) as AllStreamResolvedEvent;
}
