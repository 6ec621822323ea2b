import { randomUUID } from 'node:crypto';
import {
  BACKWARDS,
  END,
  FORWARDS,
  KurrentDBClient,
  StreamNotFoundError,
  WrongExpectedVersionError,
  streamNameFilter,
} from '@kurrent/kurrentdb-client';
import type {
  AllStreamResolvedEvent,
  AllStreamSubscription,
  Filter,
  RecordedEvent as KurrentRecordedEvent,
  ReadPosition,
  ReadStreamOptions as KurrentReadStreamOptions,
} from '@kurrent/kurrentdb-client';
import {
  AppendNotifier,
  CatchUpSubscription,
  DuplicateEventIdError,
  StoreClosedError,
  isSameBatch,
  validateAppend,
} from '@accord/event-store';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
  Subscription,
} from '@accord/event-store';
import { KurrentDbError } from './kurrentdb-event-store.errors';
import {
  appendIdOf,
  assertNoReservedMetadata,
  belongsToStore,
  describeTarget,
  fromWrongExpectedVersion,
  isNotLeader,
  isUnavailable,
  logFilter,
  positionOf,
  streamPositionOf,
  toAppendStreamState,
  toEventData,
  toReadPosition,
  toRecordedEvent,
  toRevision,
  toServerStreamName,
  toStoreError,
  validateNamespace,
} from './kurrentdb-mapping';
import { planLogRead, planStreamRead } from './kurrentdb-read-plan';
import { RecordPositions } from './kurrentdb-record-positions';
import { RecentEventIds, checkRepeatAgainstTail } from './kurrentdb-repeat-check';

/** The part of the official client the adapter uses; a test can hand in a double. */
export type KurrentDbClientLike = Pick<
  KurrentDBClient,
  'appendToStream' | 'readStream' | 'readAll' | 'subscribeToAll' | 'dispose'
>;

export interface KurrentDbEventStoreOptions {
  /**
   * Keeps this store's streams apart from everything else on the server: stream
   * `commitment-42` is stored as `<namespace>.commitment-42`, and reading or following the
   * global log sees only this namespace. Without it the store owns every non-system
   * stream on the server. Letters, digits and underscores, starting with a letter.
   */
  readonly namespace?: string;
  /** How long a subscriber waits before re-reading the log when no new event was signalled. */
  readonly pollIntervalMs?: number;
  /**
   * How many of a stream's latest events (beyond the batch's own length) an append looks
   * through for the ids it carries, to apply the port's idempotency rules exactly.
   */
  readonly idempotencyWindow?: number;
  /** How many ids appended through this instance are remembered to refuse their reuse in another stream. */
  readonly recentIdsCapacity?: number;
  /** How long open() waits for the server's first answer. */
  readonly openTimeoutMs?: number;
  /** Told of failures a subscription rides out (server unavailable): it retries after pollIntervalMs. */
  readonly onTransientError?: (error: Error) => void;
  /** How error messages name the server; open() derives it from the connection string, without credentials. */
  readonly target?: string;
}

/**
 * An event read from a stream. `position` is undefined when the server did not report
 * it (servers before 22.6): `event.position` is then a placeholder until positioned()
 * looks the position up in `$all`, which it does before any event reaches a caller.
 */
interface ReadBack {
  readonly raw: KurrentRecordedEvent;
  readonly event: RecordedEvent;
  readonly position: number | undefined;
}

/** How often a request refused by a node that is not the leader is sent again (the client reconnects to the leader meanwhile). */
const LEADER_ATTEMPTS = 3;
/** Events per pass while a read of `$all` scans up to its `after` from an earlier record. */
const SCAN_PASS = 1000;
/** The longest pause before a dropped doorbell (the live subscription that wakes followers) is opened again. */
const DOORBELL_RETRY_MS = 1000;
/** Events per pass of a backwards search of `$all`. */
const SEARCH_PASS = 100;

/**
 * The event-store port on KurrentDB (formerly EventStoreDB), through the official client.
 * Revisions are KurrentDB's stream revisions, positions its commit positions, event ids
 * the writers' UUIDs; an append is acknowledged once the server (the cluster's quorum)
 * has it durably. See libs/event-store-kurrentdb/README.md for where KurrentDB's
 * guarantees differ from the port's and how the adapter closes the gaps.
 */
export class KurrentDbEventStore implements EventStore {
  private readonly namespace: string | undefined;
  private readonly filter: Filter;
  private readonly pollIntervalMs: number;
  private readonly window: number;
  private readonly target: string;
  private readonly recentIds: RecentEventIds;
  /** Positions seen in `$all`: where a read can start when asked for one after a position that is no record's. */
  private readonly records = new RecordPositions();
  private readonly notifier = new AppendNotifier();
  private readonly subscriptions = new Set<Subscription>();
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Counts signals of new events (own appends and the doorbell), so a follower never sleeps through one. */
  private rings = 0;
  private doorbell: AllStreamSubscription | undefined;
  private doorbellRetryAt = 0;
  private closed = false;
  private closing: Promise<void> | undefined;

  /**
   * Connects with a connection string such as `kurrentdb://host:2113?tls=false` or
   * `kurrentdb+discover://admin:changeit@cluster.example:2113`, and checks that the
   * server answers and lets this user read `$all`.
   */
  static async open(connectionString: string, options: KurrentDbEventStoreOptions = {}): Promise<KurrentDbEventStore> {
    validateNamespace(options.namespace);
    const target = options.target ?? describeTarget(connectionString);
    let client: KurrentDBClient;
    try {
      client = KurrentDBClient.connectionString(connectionString);
    } catch (error) {
      throw new KurrentDbError(
        'INVALID_CONNECTION_STRING',
        `${target}: invalid connection string: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    const store = new KurrentDbEventStore(client, { ...options, target });
    try {
      await store.probe(options.openTimeoutMs ?? 10_000);
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
    return store;
  }

  constructor(
    private readonly client: KurrentDbClientLike,
    private readonly options: KurrentDbEventStoreOptions = {},
  ) {
    validateNamespace(options.namespace);
    this.namespace = options.namespace;
    this.filter = logFilter(options.namespace);
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.window = Math.max(1, Math.floor(options.idempotencyWindow ?? 100));
    this.target = options.target ?? 'KurrentDB';
    this.recentIds = new RecentEventIds(options.recentIdsCapacity ?? 10_000);
  }

  /** Live subscriptions and waiting followers; both zero once every subscription stopped. */
  get resources(): { subscriptions: number; waiting: number } {
    return { subscriptions: this.subscriptions.size, waiting: this.notifier.waiting };
  }

  async append(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    if (this.closed) throw new StoreClosedError();
    const expected = options.expectedRevision ?? 'any';
    validateAppend(streamId, events, expected);
    assertNoReservedMetadata(streamId, events);
    return this.track(this.appendValid(streamId, events, expected));
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    if (this.closed) throw new StoreClosedError();
    return this.track(this.readStreamOpen(streamId, options));
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    if (this.closed) throw new StoreClosedError();
    const plan = planLogRead(options);
    if (plan.kind === 'empty') return [];
    return this.track(this.readLog(plan.after, plan.maxCount));
  }

  /** The position of this store's last event in `$all` (0 when it has none): a backwards read from the end. */
  async headPosition(): Promise<number> {
    if (this.closed) throw new StoreClosedError();
    const head = this.lastPositionBefore(END, this.filter, (raw) => belongsToStore(raw, this.namespace));
    return this.track(
      head.catch((error: unknown) => {
        throw toStoreError(error, 'read the head of $all', this.target);
      }),
    );
  }

  /**
   * Pages `$all` after the last position delivered (so nothing is skipped or repeated
   * across catch-up and live), and sleeps between pages until a live `subscribeToAll`
   * from the end of the log (the doorbell) or one of this store's own appends signals a
   * new event, or pollIntervalMs passes.
   */
  subscribe(options: SubscribeOptions = {}): Subscription {
    if (this.closed) throw new StoreClosedError();
    let ringsAtRead = this.rings;
    const subscription = new CatchUpSubscription(
      {
        readPage: (after, maxCount) => {
          ringsAtRead = this.rings;
          return this.followLog(after, maxCount);
        },
        waitForAppend: (_after, signal) => {
          if (this.rings !== ringsAtRead) return Promise.resolve();
          this.startDoorbell();
          // Without a doorbell (it dropped), sleep only until it may be rung again.
          const sleep = this.doorbell
            ? this.pollIntervalMs
            : Math.min(this.pollIntervalMs, Math.max(0, this.doorbellRetryAt - Date.now()));
          return this.notifier.wait(signal, sleep);
        },
      },
      {
        after: options.after,
        onStop: (s) => {
          this.subscriptions.delete(s);
          if (this.subscriptions.size === 0) void this.stopDoorbell();
        },
      },
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  // ------------------------------------------------------------------ append

  private async appendValid(
    streamId: string,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    const operation = `append to ${streamId}`;
    const elsewhere = this.recentIds.takenElsewhere(streamId, events);
    if (elsewhere !== undefined) throw new DuplicateEventIdError(streamId, elsewhere);

    const tail = await this.readTail(streamId, events, operation);
    const repeat = checkRepeatAgainstTail(
      streamId,
      events,
      expected,
      tail.map((t) => t.event),
    );
    if (repeat) return this.appended(streamId, await this.positioned(streamId, tail, repeat, operation), true);

    const appendId = randomUUID();
    let last: number;
    try {
      // A node that is not the leader refuses an append before writing anything (NotLeader);
      // the client then reconnects to the leader, so sending it again is safe.
      const result = await this.onLeader(() =>
        this.client.appendToStream(
          toServerStreamName(streamId, this.namespace),
          events.map((event) => toEventData(event, appendId)),
          { streamState: toAppendStreamState(expected) },
        ),
      );
      last = toRevision(result.nextExpectedRevision);
      if (result.position) this.records.add(positionOf({ commitPosition: result.position.commit }));
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        throw fromWrongExpectedVersion(error, streamId, expected, events[0].id);
      }
      if (isUnavailable(error)) {
        // The write may have landed before the connection failed: if it did, say so.
        const landed = await this.findLandedAppend(streamId, events, expected, appendId, operation).catch(
          () => undefined,
        );
        if (landed) return landed;
      }
      throw toStoreError(error, operation, this.target);
    }

    // The server reports only the last revision and position: read the batch back for
    // each event's position and commit time, and to learn whether this attempt wrote it
    // or the server recognised the ids of an earlier one (an idempotent success). The
    // positions come from `$all` when the server reads streams without them.
    const written = await this.readServerStream(
      streamId,
      { direction: FORWARDS, fromRevision: BigInt(last - events.length + 1), maxCount: events.length },
      operation,
      true,
    );
    if (
      !isSameBatch(
        events,
        written.map((w) => w.event),
      )
    ) {
      throw new KurrentDbError(
        'UNEXPECTED_RESPONSE',
        `${operation}: KurrentDB acknowledged revision ${last}, but the events before it are not this batch`,
      );
    }
    const recorded = await this.positioned(
      streamId,
      written,
      written.map((w) => w.event),
      operation,
    );
    return this.appended(streamId, recorded, appendIdOf(written[0].raw) !== appendId);
  }

  /**
   * The stream's latest events: as many as the batch plus the idempotency window. When
   * the batch's first id is not among them but one of its ids was seen there, or was
   * appended to this stream by this process, the events where the batch would have
   * started are read too, so that a repeat of an older batch is judged on the whole of it.
   */
  private async readTail(streamId: string, events: readonly NewEvent[], operation: string): Promise<ReadBack[]> {
    const tail = (
      await this.readServerStream(
        streamId,
        { direction: BACKWARDS, fromRevision: END, maxCount: this.window + events.length },
        operation,
        true,
      )
    ).reverse();
    if (tail.length === 0 || tail[0].event.revision === 0) return tail;
    const inTail = new Map(tail.map((t) => [t.event.id.toLowerCase(), t.event.revision]));
    const whereIs = (id: string): number | undefined =>
      inTail.get(id.toLowerCase()) ?? this.recentIds.revisionIn(streamId, id);
    if (inTail.has(events[0].id.toLowerCase())) return tail;
    let start = whereIs(events[0].id);
    if (start === undefined) {
      const starts = events.flatMap((e, i) => {
        const revision = whereIs(e.id);
        return revision === undefined ? [] : [revision - i];
      });
      if (starts.length === 0) return tail;
      start = Math.max(0, Math.min(...starts));
    }
    const firstInTail = tail[0].event.revision;
    if (start >= firstInTail) return tail;
    const before = await this.readServerStream(
      streamId,
      { direction: FORWARDS, fromRevision: BigInt(start), maxCount: Math.min(events.length, firstInTail - start) },
      operation,
      true,
    );
    return [...before, ...tail];
  }

  /** After an unavailable error: the batch as written by this very attempt, if it landed. */
  private async findLandedAppend(
    streamId: string,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
    appendId: string,
    operation: string,
  ): Promise<AppendResult | undefined> {
    const tail = await this.readTail(streamId, events, operation);
    const recorded = checkRepeatAgainstTail(
      streamId,
      events,
      expected,
      tail.map((t) => t.event),
    );
    if (!recorded) return undefined;
    const first = tail.find((t) => t.event === recorded[0]) as ReadBack;
    const positioned = await this.positioned(streamId, tail, recorded, operation);
    return this.appended(streamId, positioned, appendIdOf(first.raw) !== appendId);
  }

  private appended(streamId: string, events: RecordedEvent[], idempotent: boolean): AppendResult {
    this.recentIds.remember(streamId, events);
    for (const event of events) this.records.add(event.position);
    if (!idempotent) this.ring();
    const last = events[events.length - 1];
    return { streamId, revision: last.revision, position: last.position, events, idempotent };
  }

  // ------------------------------------------------------------------ reads

  private async readStreamOpen(streamId: string, options: ReadStreamOptions): Promise<RecordedEvent[]> {
    const operation = `read ${streamId}`;
    let plan = planStreamRead(options);
    if (plan.kind === 'needs-last-revision') {
      const [last] = await this.readServerStream(
        streamId,
        { direction: BACKWARDS, fromRevision: END, maxCount: 1 },
        operation,
      );
      plan = planStreamRead(options, last ? last.event.revision : -1);
    }
    if (plan.kind !== 'read') return [];
    const read: ReadBack[] = await this.readServerStream(
      streamId,
      {
        direction: plan.direction === 'backwards' ? BACKWARDS : FORWARDS,
        fromRevision: plan.from === 'end' ? END : BigInt(plan.from),
        ...(plan.maxCount === undefined ? {} : { maxCount: plan.maxCount }),
      },
      operation,
    );
    return this.positioned(
      streamId,
      read,
      read.map((r) => r.event),
      operation,
    );
  }

  /**
   * A stream read; an unknown stream reads as empty. `fromLeader` for reads that must see
   * the latest writes. Positions are left undefined where the server gave none.
   */
  private async readServerStream(
    streamId: string,
    options: KurrentReadStreamOptions,
    operation: string,
    fromLeader = false,
  ): Promise<ReadBack[]> {
    try {
      return await this.onLeader(async () => {
        const read: ReadBack[] = [];
        for await (const resolved of this.client.readStream(toServerStreamName(streamId, this.namespace), {
          ...options,
          resolveLinkTos: false,
          ...(fromLeader ? { requiresLeader: true } : {}),
        })) {
          const raw = resolved.event;
          if (!raw) continue;
          const position = streamPositionOf(resolved);
          read.push({ raw, position, event: toRecordedEvent(raw, position ?? -1, this.namespace) });
        }
        return read;
      });
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw toStoreError(error, operation, this.target);
    }
  }

  /**
   * `events` (taken from `reads`) with their positions in `$all`. Where the stream read
   * gave none (servers before 22.6), a backwards search of `$all` from its end, filtered
   * on the stream's name, finds them: cheap for the latest events (an append's read-back,
   * a retried batch), a scan of the log back to them for old ones.
   */
  private async positioned(
    streamId: string,
    reads: readonly ReadBack[],
    events: readonly RecordedEvent[],
    operation: string,
  ): Promise<RecordedEvent[]> {
    const byEvent = new Map(reads.map((r) => [r.event, r]));
    const missing = events.filter((e) => byEvent.get(e)?.position === undefined).map((e) => e.revision);
    const found = missing.length > 0 ? await this.locate(streamId, missing, operation) : new Map<number, number>();
    return events.map((event) => {
      const position = byEvent.get(event)?.position ?? found.get(event.revision);
      if (position === undefined) {
        throw new KurrentDbError(
          'UNEXPECTED_RESPONSE',
          `${operation}: revision ${event.revision} of ${streamId} has no position in $all`,
        );
      }
      this.records.add(position);
      return { ...event, position };
    });
  }

  /** The positions in `$all` of the stream's events at `revisions`, searched backwards from the end of the log. */
  private async locate(
    streamId: string,
    revisions: readonly number[],
    operation: string,
  ): Promise<Map<number, number>> {
    const name = toServerStreamName(streamId, this.namespace);
    const wanted = new Set(revisions);
    const lowest = Math.min(...revisions);
    const found = new Map<number, number>();
    const filter = streamNameFilter({ prefixes: [name] });
    try {
      await this.lastPositionBefore(
        END,
        filter,
        (raw) => {
          if (raw.streamId !== name) return false;
          const revision = toRevision(raw.revision);
          return revision <= lowest || found.size === wanted.size;
        },
        (raw, position) => {
          if (raw.streamId === name && wanted.has(toRevision(raw.revision))) {
            found.set(toRevision(raw.revision), position);
          }
        },
      );
    } catch (error) {
      throw toStoreError(error, operation, this.target);
    }
    return found;
  }

  /**
   * Reads `$all` backwards from `from` (exclusive), a pass at a time, until `stop` holds
   * for an event: its position, or 0 when the log's beginning comes first. `seen` is told
   * of every event on the way, `stop`'s included.
   */
  private async lastPositionBefore(
    from: ReadPosition,
    filter: Filter,
    stop: (raw: KurrentRecordedEvent) => boolean,
    seen?: (raw: KurrentRecordedEvent, position: number) => void,
  ): Promise<number> {
    for (let start = from; ;) {
      const pass = await this.onLeader(async (): Promise<{ found: number } | { received: number; last?: number }> => {
        let received = 0;
        let last: number | undefined;
        for await (const resolved of this.client.readAll({
          direction: BACKWARDS,
          fromPosition: start,
          filter,
          maxCount: SEARCH_PASS,
          resolveLinkTos: false,
          requiresLeader: true,
        })) {
          received++;
          const raw = resolved.event;
          if (!raw) continue;
          last = positionOf(resolved);
          seen?.(raw, last);
          if (stop(raw)) return { found: last };
        }
        return { received, last };
      });
      if ('found' in pass) {
        this.records.add(pass.found);
        return pass.found;
      }
      const { received, last } = pass;
      if (received < SEARCH_PASS || last === undefined) return 0;
      this.records.add(last);
      start = toReadPosition(last);
    }
  }

  /** Runs `request` again, up to LEADER_ATTEMPTS in all, while a node that is not the leader refuses it. */
  private async onLeader<T>(request: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await request();
      } catch (error) {
        if (!isNotLeader(error) || attempt >= LEADER_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Events of this store with a position greater than `after`, in log order. KurrentDB
   * reads `$all` only from where a record starts: `after` is one when this store returned
   * it, but a caller may pass any number (`p - 1`, a position from another store). The read
   * tries `after` first; when the server fails it and yet answers a read from the end (the
   * client reports both failures alike, as unavailable), `after` is no record's position,
   * and the read starts from the closest record before it this store has seen (or from the
   * beginning of the log), skipping up to `after`.
   */
  private async readLog(after: number, maxCount: number | undefined): Promise<RecordedEvent[]> {
    try {
      return await this.readLogFrom(after, after, maxCount);
    } catch (error) {
      if (after === 0 || !isUnavailable(error) || this.records.has(after) || !(await this.answers())) throw error;
      return this.readLogFrom(this.records.before(after), after, maxCount);
    }
  }

  /**
   * Reads from `from` (0 or a record's position) the events after `after`. KurrentDB reads
   * `$all` from a position inclusively and filters on the server, so each pass asks for one
   * more event than it still needs (many more while it is still short of `after`), skips
   * what sits at `after` or before, drops what the client-side check rejects, and carries
   * on from the last position it saw until the page is full or the log ends.
   */
  private async readLogFrom(from: number, after: number, maxCount: number | undefined): Promise<RecordedEvent[]> {
    const page: RecordedEvent[] = [];
    for (let start = from; ;) {
      const still = maxCount === undefined ? undefined : maxCount - page.length;
      const want = still === undefined ? undefined : still + 1 + (start < after ? SCAN_PASS : 0);
      let received = 0;
      let previous: number | undefined;
      let seen = start;
      try {
        for await (const resolved of this.client.readAll({
          fromPosition: toReadPosition(start),
          filter: this.filter,
          resolveLinkTos: false,
          ...(want === undefined ? {} : { maxCount: want }),
        })) {
          received++;
          const raw = resolved.event;
          if (!raw) continue;
          const position = positionOf(resolved);
          if (previous !== undefined && position <= previous) {
            // Only events written in explicit transactions (a TCP-era feature) share a
            // commit position; the port's positions cannot number them apart.
            throw new KurrentDbError(
              'UNEXPECTED_RESPONSE',
              `$all holds two events at or out of commit position ${position}: explicit transactions are not supported`,
            );
          }
          previous = position;
          if (position <= start) continue;
          seen = position;
          if (position <= after || !belongsToStore(raw, this.namespace)) continue;
          page.push(toRecordedEvent(raw, position, this.namespace));
          if (page.length === maxCount) break;
        }
      } catch (error) {
        throw toStoreError(error, 'read $all', this.target);
      }
      this.records.add(seen);
      if (page.length === maxCount || want === undefined || received < want || seen === start) return page;
      start = seen;
    }
  }

  /** Whether the server answers a read that cannot be refused for its position: one event back from the end. */
  private async answers(): Promise<boolean> {
    try {
      for await (const _event of this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 })) {
        // Answered.
      }
      return true;
    } catch {
      return false;
    }
  }

  // ------------------------------------------------------------------ following

  /** A page for a subscription: while the server is unavailable, an empty page, so the follower waits and retries. */
  private async followLog(after: number, maxCount: number): Promise<RecordedEvent[]> {
    if (this.closed) return [];
    try {
      return await this.track(this.readLog(Math.max(0, after), maxCount));
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      this.options.onTransientError?.(error as Error);
      return [];
    }
  }

  private ring(): void {
    this.rings++;
    this.notifier.notify();
  }

  /** One live subscription from the end of `$all`, shared by every follower, that only wakes them. */
  private startDoorbell(): void {
    if (this.doorbell || this.closed || Date.now() < this.doorbellRetryAt) return;
    let bell: AllStreamSubscription;
    try {
      bell = this.client.subscribeToAll({ fromPosition: END, filter: this.filter, resolveLinkTos: false });
    } catch (error) {
      this.doorbellFailed(error);
      return;
    }
    this.doorbell = bell;
    // It rings only for events after the server confirmed it: followers read once more then,
    // for what was written between their last read and that moment.
    bell.on('confirmation', () => {
      if (this.doorbell === bell) this.ring();
    });
    bell.on('data', (resolved: AllStreamResolvedEvent) => {
      if (resolved.event && belongsToStore(resolved.event, this.namespace)) this.ring();
    });
    bell.on('error', (error: Error) => {
      // Events may have come while it was dropping: followers read the log again now,
      // and the next one to wait rings the doorbell again after a short pause.
      const current = this.doorbell === bell;
      if (current) this.doorbell = undefined;
      this.doorbellFailed(error);
      bell.unsubscribe().catch(() => undefined);
      if (current) this.ring();
    });
    bell.on('close', () => {
      // Ended by the server (not by stopDoorbell, which forgets it first): read again and reopen it.
      if (this.doorbell !== bell) return;
      this.doorbell = undefined;
      this.ring();
    });
  }

  private doorbellFailed(error: unknown): void {
    this.doorbellRetryAt = Date.now() + Math.min(this.pollIntervalMs, DOORBELL_RETRY_MS);
    this.options.onTransientError?.(toStoreError(error, 'follow $all', this.target));
  }

  private async stopDoorbell(): Promise<void> {
    const bell = this.doorbell;
    this.doorbell = undefined;
    if (bell) await bell.unsubscribe().catch(() => undefined);
  }

  // ------------------------------------------------------------------ lifecycle

  /** Checks that the server answers and that this user may read `$all`, which accord's read models need. */
  private async probe(timeoutMs: number): Promise<void> {
    const read = (async () => {
      for await (const _event of this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 })) {
        // One event, or none on an empty server: either way the server answered.
      }
    })();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new KurrentDbError('STORE_UNAVAILABLE', `${this.target} did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([read, timeout]);
    } catch (error) {
      throw toStoreError(error, 'open', this.target);
    } finally {
      clearTimeout(timer);
      read.catch(() => undefined);
    }
  }

  private track<T>(operation: Promise<T>): Promise<T> {
    this.inFlight.add(operation);
    const forget = (): void => {
      this.inFlight.delete(operation);
    };
    operation.then(forget, forget);
    return operation;
  }

  private async shutDown(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    await this.stopDoorbell();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await this.client.dispose();
  }
}
