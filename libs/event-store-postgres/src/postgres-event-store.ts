import { DatabaseError, Pool } from 'pg';
import type { QueryConfig } from 'pg';
import {
  AppendNotifier,
  CatchUpSubscription,
  DuplicateEventIdError,
  StoreClosedError,
  WrongExpectedRevisionError,
  checkExpectedRevision,
  isSameBatch,
  repeatFitsExpected,
  toStoredJson,
  validateAppend,
} from '@accord/event-store';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  StoredEvent,
  ReadStreamOptions,
  RecordedEvent,
  StreamState,
  SubscribeOptions,
  Subscription,
} from '@accord/event-store';
import { PostgresAppendListener } from './postgres-append-listener';
import { CONSTRAINTS, channelFor, migrate, quoteIdentifier } from './postgres-schema';

export interface PostgresEventStoreOptions {
  /** The schema holding the store's tables; created if missing. Defaults to `public`. */
  readonly schema?: string;
  /**
   * How long a follower sleeps without a notification before reading the log again: the
   * fallback for a lost LISTEN connection. Defaults to 500.
   */
  readonly pollIntervalMs?: number;
  /** Connections in this instance's pool (the LISTEN connection is extra). Defaults to 10. */
  readonly maxConnections?: number;
}

/** Counters for tests and benchmarks: how well group commit is grouping. */
export interface PostgresEventStoreStats {
  /** Group transactions committed (one commit flush each). */
  readonly commits: number;
  /** Appends that wrote events (idempotent repeats and failed checks excluded). */
  readonly appends: number;
  /** The most appends carried by one group. */
  readonly largestGroup: number;
}

/** An append waiting for the next group, its payload already serialised. */
interface PendingAppend {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly expected: ExpectedRevision;
  readonly data: readonly string[];
  readonly metadata: readonly string[];
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { ok: true; result: AppendResult } | { ok: false; error: unknown };

/** position, stream_id, revision, id, type, schema_version, data, metadata, recorded_at */
type Row = [string, string, string, string, string, number, unknown, Record<string, unknown>, string];
/** A Row with data and metadata as their stored text. */
type TextRow = [string, string, string, string, string, number, string, string, string];

/** A row of `append_group`: the append's number (from 1), what it says, then a Row's columns. */
type GroupRow = [number, 'written' | 'rejected' | 'found', ...Row];

/** A group stops growing at whichever bound it reaches first (but always takes one append). */
const MAX_GROUP_APPENDS = 500;
const MAX_GROUP_EVENTS = 10_000;

/** Session settings of every pooled connection. */
const SESSION_SETTINGS =
  // Durability and the isolation the appends are written for must not depend on the
  // server's defaults; a client that stalls inside a transaction must not hold locks for ever.
  "SET synchronous_commit TO on; SET default_transaction_isolation TO 'read committed'; " +
  "SET idle_in_transaction_session_timeout TO '60s'";

/**
 * The PostgreSQL store. Appends are group-committed: those that arrive while a group is
 * being written wait, and go together as the next group, in one statement that is its own
 * READ COMMITTED transaction (docs/decisions/0008-postgres-group-commit.md). The server
 * function `append_group` locks the group's streams, then the one-row position counter,
 * then checks and writes each append in turn; an append that fails its checks is left out
 * and fails alone. The counter's row lock is held until commit, so positions are handed
 * out in commit order and a follower reading `position > last` never skips an event that
 * commits late (docs/decisions/0005-postgres-global-order.md). The same transaction
 * NOTIFYs the store's channel; followers also poll, so a lost notification costs at most
 * `pollIntervalMs`.
 */
export class PostgresEventStore implements EventStore {
  private readonly notifier = new AppendNotifier();
  private readonly subscriptions = new Set<Subscription>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly listener: PostgresAppendListener;
  private readonly pollIntervalMs: number;
  private readonly sql: ReturnType<typeof statements>;
  private readonly channel: string;
  private queue: PendingAppend[] = [];
  private writing = false;
  private counters = { commits: 0, appends: 0, largestGroup: 0 };
  private closed = false;
  private closing: Promise<void> | undefined;
  /** Highest position known to be committed: by this instance, or notified by any other. */
  private head = 0;

  private constructor(
    private readonly pool: Pool,
    url: string,
    schema: string,
    options: PostgresEventStoreOptions,
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.sql = statements(schema);
    this.channel = channelFor(schema);
    this.listener = new PostgresAppendListener(
      { connectionString: url, connectionTimeoutMillis: 10000 },
      this.channel,
      (position) => this.advanceHead(position),
      () => this.notifier.notify(),
      Math.max(100, this.pollIntervalMs),
    );
  }

  /** Connects, creates or migrates the schema, and returns the store. */
  static async open(url: string, options: PostgresEventStoreOptions = {}): Promise<PostgresEventStore> {
    const schema = options.schema ?? 'public';
    const pool = new Pool({
      connectionString: url,
      max: options.maxConnections ?? 10,
      pipeline: true,
      onConnect: async (client) => {
        // A connection lost while checked out between two queries emits 'error' on its
        // client, which would crash the process unheard; the next query fails instead.
        client.on('error', () => undefined);
        await client.query(SESSION_SETTINGS);
      },
    });
    // An idle connection the server drops emits 'error' on the pool; the pool replaces it.
    pool.on('error', () => undefined);
    try {
      await migrate(pool, schema);
      return new PostgresEventStore(pool, url, schema, options);
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
  }

  /** Live subscriptions and waiting followers; both zero once every subscription stopped. */
  get resources(): { subscriptions: number; waiting: number } {
    return { subscriptions: this.subscriptions.size, waiting: this.notifier.waiting };
  }

  get stats(): PostgresEventStoreStats {
    return { ...this.counters };
  }

  async append(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    if (this.closed) throw new StoreClosedError();
    const expected = options.expectedRevision ?? 'any';
    validateAppend(streamId, events, expected);
    // Serialise now: a caller mutating its objects after the call cannot change what is written.
    const data = events.map((event) => toStoredJson(event.data, `Data of ${event.type}`));
    const metadata = events.map((event) => toStoredJson(event.metadata ?? {}, `Metadata of ${event.type}`));
    return this.track(
      new Promise<AppendResult>((resolve, reject) => {
        this.queue.push({ streamId, events, expected, data, metadata, resolve, reject });
        this.scheduleGroup();
      }),
    );
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    if (this.closed) throw new StoreClosedError();
    return this.track(this.readStreamRange(streamId, options));
  }

  async headPosition(): Promise<number> {
    if (this.closed) throw new StoreClosedError();
    const { rows } = await this.track(this.pool.query<[string | null]>(this.sql.head));
    return rows[0][0] === null ? 0 : Number(rows[0][0]);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    if (this.closed) throw new StoreClosedError();
    return this.track(this.readPage(options.after ?? 0, options.maxCount ?? 1000));
  }

  async readAllStored(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    if (this.closed) throw new StoreClosedError();
    return this.track(this.readPage(options.after ?? 0, options.maxCount ?? 1000, true));
  }

  subscribe(options: SubscribeOptions = {}): Subscription {
    if (this.closed) throw new StoreClosedError();
    this.listener.start();
    // Returning at once for a head already known is done once per position, so that a
    // head that readPage cannot see (the tables emptied under us) cannot spin the loop.
    let skippedWaitAfter = -1;
    const subscription = new CatchUpSubscription(
      {
        readPage: async (after, maxCount) => (this.closed ? [] : this.track(this.readPage(after, maxCount))),
        waitForAppend: async (after, signal) => {
          if (this.head > after && skippedWaitAfter !== after && !this.closed) {
            skippedWaitAfter = after;
            return;
          }
          await this.notifier.wait(signal, this.pollIntervalMs);
        },
      },
      { after: options.after, onStop: (s) => this.subscriptions.delete(s) },
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Refuses new appends, lets those in flight commit, stops subscriptions, disconnects. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    // Reads a stopped subscription had already started.
    await Promise.allSettled([...this.inFlight]);
    await this.listener.close();
    await this.pool.end();
  }

  private track<T>(operation: Promise<T>): Promise<T> {
    this.inFlight.add(operation);
    const forget = (): void => {
      this.inFlight.delete(operation);
    };
    operation.then(forget, forget);
    return operation;
  }

  private advanceHead(position: number): void {
    if (position > this.head) this.head = position;
    this.notifier.notify();
  }

  /**
   * Starts the next group on the next turn of the event loop, unless one is being written:
   * appends made meanwhile (by the callbacks of the group just settled, say) join it.
   */
  private scheduleGroup(): void {
    if (this.writing || this.queue.length === 0) return;
    this.writing = true;
    setImmediate(() => {
      let events = 0;
      let size = 0;
      while (size < this.queue.length && size < MAX_GROUP_APPENDS) {
        events += this.queue[size].events.length;
        if (size > 0 && events > MAX_GROUP_EVENTS) break;
        size++;
      }
      const group = this.queue.splice(0, size);
      void this.commitGroup(group).finally(() => {
        this.writing = false;
        this.scheduleGroup();
      });
    });
  }

  /** Writes a group and settles each of its appends; never rejects. */
  private async commitGroup(group: readonly PendingAppend[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      // The ids are looked up only when one of them turns out to be recorded: a repeat is rare.
      outcomes = await this.writeGroup(group, false).catch((error: unknown) => {
        if (isUniqueViolation(error, CONSTRAINTS.eventId)) return this.writeGroup(group, true);
        throw error;
      });
    } catch (error) {
      if (group.length > 1 && error instanceof DatabaseError) {
        // The statement failed as a whole and nothing was written. One append can cause
        // that (a row written behind the store's back); alone, each fails or commits on its own.
        for (const pending of group) await this.commitGroup([pending]);
        return;
      }
      const reported = group.length === 1 ? await this.mapError(group[0], error) : error;
      for (const pending of group) pending.reject(reported);
      return;
    }
    let written = 0;
    for (const outcome of outcomes) {
      if (outcome.ok && !outcome.result.idempotent) {
        written++;
        this.advanceHead(outcome.result.position);
      }
    }
    this.counters.commits++;
    this.counters.appends += written;
    if (group.length > this.counters.largestGroup) this.counters.largestGroup = group.length;
    for (let i = 0; i < group.length; i++) {
      const outcome = outcomes[i];
      if (outcome.ok) group[i].resolve(outcome.result);
      else group[i].reject(outcome.error);
    }
  }

  /**
   * One round trip: the group's statement, which commits on its own. Without `lookUpIds`,
   * an id recorded before the group fails the statement on the unique index instead.
   */
  private async writeGroup(group: readonly PendingAppend[], lookUpIds: boolean): Promise<Outcome[]> {
    // Sorted, and so locked in one order by every instance (see append_group).
    const streams = [...new Set(group.map((pending) => pending.streamId))].sort();
    const streamIndex = new Map(streams.map((stream, i) => [stream, i + 1]));
    const appendStream: number[] = [];
    const expected: number[] = [];
    const counts: number[] = [];
    const eventAppend: number[] = [];
    const keys: string[] = [];
    const ids: string[] = [];
    const types: string[] = [];
    const versions: number[] = [];
    const data: string[] = [];
    const metadata: string[] = [];
    group.forEach((pending, a) => {
      appendStream.push(streamIndex.get(pending.streamId)!);
      expected.push(encodeExpected(pending.expected));
      counts.push(pending.events.length);
      pending.events.forEach((event, i) => {
        eventAppend.push(a + 1);
        keys.push(event.id.toLowerCase());
        ids.push(event.id);
        types.push(event.type);
        versions.push(event.schemaVersion ?? 1);
        data.push(pending.data[i]);
        metadata.push(pending.metadata[i]);
      });
    });
    // An append's own ids are distinct (validateAppend), so a repeat is shared between two.
    const sharedKeys = group.length > 1 && new Set(keys).size < keys.length;
    const values = [
      streams,
      appendStream,
      expected,
      counts,
      eventAppend,
      keys,
      ids,
      types,
      versions,
      data,
      metadata,
      sharedKeys,
      lookUpIds,
      this.channel,
    ];
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      const { rows } = await client.query<GroupRow>({ ...this.sql.appendGroup, values });
      return this.outcomes(group, rows);
    } catch (error) {
      // A statement the server refused leaves the connection usable; anything else, the pool replaces it.
      if (!(error instanceof DatabaseError) || /^(08|53|57|58|XX)/.test(error.code ?? '')) {
        broken = error instanceof Error ? error : new Error(String(error));
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** Reads the rows of `append_group` back into each append's result or error. */
  private outcomes(group: readonly PendingAppend[], rows: GroupRow[]): Outcome[] {
    const outcomes: Outcome[] = new Array(group.length);
    for (let r = 0; r < rows.length;) {
      const [append, kind, position, , revision, , , , , , recordedAt] = rows[r++];
      const pending = group[append - 1];
      if (kind === 'written') {
        outcomes[append - 1] = {
          ok: true,
          result: recordedResult(pending, Number(position), Number(revision), recordedAt),
        };
        continue;
      }
      const found: Row[] = [];
      while (r < rows.length && rows[r][1] === 'found') found.push(rows[r++].slice(2) as Row);
      try {
        outcomes[append - 1] = { ok: true, result: rejected(pending, Number(revision), toEvents(found)) };
      } catch (error) {
        outcomes[append - 1] = { ok: false, error };
      }
    }
    for (let i = 0; i < group.length; i++) {
      outcomes[i] ??= { ok: false, error: new Error(`Append to ${group[i].streamId} is missing from its group`) };
    }
    return outcomes;
  }

  /** Turns unique violations into the store's errors; anything else passes through. */
  private async mapError(pending: PendingAppend, error: unknown): Promise<unknown> {
    const { code, constraint, detail } = (error ?? {}) as { code?: string; constraint?: string; detail?: string };
    if (code !== '23505') return error;
    const { streamId, events, expected } = pending;
    if (constraint === CONSTRAINTS.eventId) {
      // Only a writer that bypassed the store can cause this: appends insert under the counter lock.
      const taken = events.find((event) => detail?.toLowerCase().includes(`=(${event.id.toLowerCase()})`));
      return new DuplicateEventIdError(streamId, (taken ?? events[0]).id);
    }
    if (constraint === CONSTRAINTS.streamRevision) {
      // Only a writer that bypassed the stream lock can cause this; report what is there now.
      const now = await this.pool
        .query<[string | null]>({ ...this.sql.lastRevision, values: [streamId] })
        .catch(() => undefined);
      if (!now) return error;
      const last = now.rows[0][0];
      return new WrongExpectedRevisionError(streamId, expected, last === null ? 'no_stream' : Number(last));
    }
    return error;
  }

  private async readPage(after: number, maxCount: number): Promise<RecordedEvent[]>;
  private async readPage(after: number, maxCount: number, withText: true): Promise<StoredEvent[]>;
  private async readPage(after: number, maxCount: number, withText = false): Promise<RecordedEvent[]> {
    // The same bounds as the reference store's slice of its log.
    // (A NaN `after` slices nothing there, so it reads nothing here.)
    const from = Math.min(Math.max(0, Math.floor(after)), Number.MAX_SAFE_INTEGER);
    if (!(maxCount > 0) || Number.isNaN(from)) return [];
    const limit = maxCount >= Number.MAX_SAFE_INTEGER ? null : Math.floor(maxCount);
    if (limit === 0) return [];
    if (withText) {
      // The json columns as the text stored (the driver would parse them), parsed here.
      const { rows } = await this.pool.query<TextRow>({ ...this.sql.readAllText, values: [from, limit] });
      return toEvents(rows, true);
    }
    const { rows } = await this.pool.query<Row>({ ...this.sql.readAll, values: [from, limit] });
    return toEvents(rows);
  }

  private async readStreamRange(streamId: string, options: ReadStreamOptions): Promise<RecordedEvent[]> {
    // Bounds computed exactly as the reference store's slice does, then read as a range.
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    if (!(maxCount > 0)) return [];
    if (options.direction === 'backwards') {
      const now = await this.pool.query<[string | null]>({ ...this.sql.lastRevision, values: [streamId] });
      if (now.rows[0][0] === null) return [];
      const last = Number(now.rows[0][0]);
      const from = Math.min(options.fromRevision ?? last, last);
      if (from < 0) return [];
      const start = toIndex(Math.max(0, from - maxCount + 1));
      const end = toIndex(from + 1);
      if (end <= start) return [];
      const { rows } = await this.pool.query<Row>({ ...this.sql.readBackwards, values: [streamId, start, end] });
      return toEvents(rows);
    }
    const from = Math.max(0, options.fromRevision ?? 0);
    const start = toIndex(from);
    const end = toIndex(from + maxCount);
    if (end <= start) return [];
    const { rows } = await this.pool.query<Row>({ ...this.sql.readForwards, values: [streamId, start, end] });
    return toEvents(rows);
  }
}

/** The store's statements, named so that each pooled connection prepares them once. */
function statements(schema: string) {
  const s = quoteIdentifier(schema);
  const columns = `position, stream_id, revision, id, type, schema_version, data, metadata,
    to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  const named = (name: string, text: string, array = true): QueryConfig & { rowMode?: 'array' } => ({
    name: `accord.event-store.${name}`,
    text,
    ...(array ? { rowMode: 'array' as const } : {}),
  });
  return {
    // Schema-qualified, as the statement text is how a spec tells this store's sessions apart.
    appendGroup: named(
      'appendGroup',
      `SELECT * FROM ${s}.append_group($1::text[], $2::integer[], $3::bigint[], $4::integer[], $5::integer[],
         $6::text[], $7::text[], $8::text[], $9::integer[], $10::json[], $11::json[], $12::boolean, $13::boolean,
         $14::text)`,
    ),
    lastRevision: named('lastRevision', `SELECT max(revision) FROM ${s}.events WHERE stream_id = $1`),
    head: named('head', `SELECT max(position) FROM ${s}.events`),
    readAll: named('readAll', `SELECT ${columns} FROM ${s}.events WHERE position > $1 ORDER BY position LIMIT $2`),
    readAllText: named(
      'readAllText',
      `SELECT ${columns.replace('data, metadata', 'data::text, metadata::text')} FROM ${s}.events
       WHERE position > $1 ORDER BY position LIMIT $2`,
    ),
    readForwards: named(
      'readForwards',
      `SELECT ${columns} FROM ${s}.events
       WHERE stream_id = $1 AND revision >= $2 AND revision < $3 ORDER BY revision`,
    ),
    readBackwards: named(
      'readBackwards',
      `SELECT ${columns} FROM ${s}.events
       WHERE stream_id = $1 AND revision >= $2 AND revision < $3 ORDER BY revision DESC`,
    ),
  };
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  return error instanceof DatabaseError && error.code === '23505' && error.constraint === constraint;
}

/** How `append_group` takes an expected revision. */
function encodeExpected(expected: ExpectedRevision): number {
  if (expected === 'no_stream') return -1;
  if (expected === 'stream_exists') return -2;
  if (expected === 'any') return -3;
  return expected;
}

/** The result of an append that `append_group` wrote from `position` and `revision` on. */
function recordedResult(pending: PendingAppend, position: number, revision: number, recordedAt: string): AppendResult {
  const recorded = pending.events.map((event, i): RecordedEvent => ({
    streamId: pending.streamId,
    revision: revision + i,
    position: position + i,
    id: event.id,
    type: event.type,
    schemaVersion: event.schemaVersion ?? 1,
    data: JSON.parse(pending.data[i]),
    metadata: JSON.parse(pending.metadata[i]),
    recordedAt,
  }));
  return result(pending.streamId, recorded, false);
}

/**
 * What an append `append_group` left out amounts to: an idempotent repeat of a recorded
 * batch, or the error, named as a lone append's checks would name it. `last` is the
 * stream's revision (-1 for none) and `found` the events holding any of its ids, both as
 * the append saw them in its group.
 */
function rejected(pending: PendingAppend, last: number, found: RecordedEvent[]): AppendResult {
  const { streamId, events, expected } = pending;
  const current: StreamState = last < 0 ? 'no_stream' : last;
  if (found.length > 0) {
    const byId = new Map(found.map((event) => [event.id.toLowerCase(), event]));
    const first = byId.get(events[0].id.toLowerCase());
    if (first) {
      const recorded: RecordedEvent[] = [];
      if (first.streamId === streamId) {
        const byRevision = new Map(found.filter((e) => e.streamId === streamId).map((e) => [e.revision, e]));
        for (let i = 0; i < events.length; i++) {
          const event = byRevision.get(first.revision + i);
          if (!event) break;
          recorded.push(event);
        }
      }
      if (!isSameBatch(events, recorded)) throw new DuplicateEventIdError(streamId, events[0].id);
      if (!repeatFitsExpected(expected, first.revision))
        throw new WrongExpectedRevisionError(streamId, expected, current);
      return result(streamId, recorded, true);
    }
    const taken = events.find((event) => byId.has(event.id.toLowerCase()));
    throw new DuplicateEventIdError(streamId, taken?.id ?? events[0].id);
  }
  checkExpectedRevision(streamId, expected, current);
  throw new Error(`Append to ${streamId} was left out of its group although its checks pass`);
}

/** Array.prototype.slice's conversion of an index (NaN to 0, fractions truncated). */
function toIndex(value: number): number {
  if (Number.isNaN(value)) return 0;
  return Math.min(Math.trunc(value), Number.MAX_SAFE_INTEGER);
}

function toEvents(rows: Row[]): RecordedEvent[];
function toEvents(rows: TextRow[], withText: true): StoredEvent[];
function toEvents(rows: (Row | TextRow)[], withText = false): RecordedEvent[] {
  const events: RecordedEvent[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const event: RecordedEvent & { dataJson?: string; metadataJson?: string } = {
      streamId: row[1],
      revision: Number(row[2]),
      position: Number(row[0]),
      id: row[3],
      type: row[4],
      schemaVersion: row[5],
      data: withText ? JSON.parse(row[6] as string) : row[6],
      metadata: withText ? JSON.parse(row[7] as string) : (row[7] as Record<string, unknown>),
      recordedAt: row[8],
    };
    if (withText) {
      event.dataJson = row[6] as string;
      event.metadataJson = row[7] as string;
    }
    events[i] = event;
  }
  return events;
}

function result(streamId: string, events: RecordedEvent[], idempotent: boolean): AppendResult {
  const last = events[events.length - 1];
  return { streamId, revision: last.revision, position: last.position, events, idempotent };
}
