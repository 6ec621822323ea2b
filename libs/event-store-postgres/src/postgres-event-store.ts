import { Pool } from 'pg';
import type { PoolClient, QueryConfig } from 'pg';
import {
  AppendNotifier,
  CatchUpSubscription,
  DuplicateEventIdError,
  InvalidAppendError,
  StoreClosedError,
  WrongExpectedRevisionError,
  checkExpectedRevision,
  isSameBatch,
  repeatFitsExpected,
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

/** An append handed to the transaction, its payload already serialised. */
interface PendingAppend {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly expected: ExpectedRevision;
  readonly data: readonly string[];
  readonly metadata: readonly string[];
}

/** position, stream_id, revision, id, type, schema_version, data, metadata, recorded_at */
type Row = [string, string, string, string, string, number, unknown, Record<string, unknown>, string];

/** Session settings of every pooled connection. */
const SESSION_SETTINGS =
  // Durability must not depend on the server's default; a client that stalls inside a
  // transaction must not hold the position lock for ever.
  "SET synchronous_commit TO on; SET idle_in_transaction_session_timeout TO '60s'";

/**
 * The PostgreSQL store. Each append is one READ COMMITTED transaction: lock the stream's
 * row, check the expected revision and the ids, then take the next positions from the
 * one-row counter and insert. The counter's row lock is held until commit, so positions
 * are handed out in commit order and a follower reading `position > last` never skips an
 * event that commits late (docs/decisions/0005-postgres-global-order.md). The same
 * transaction NOTIFYs the store's channel; followers also poll, so a lost notification
 * costs at most `pollIntervalMs`.
 */
export class PostgresEventStore implements EventStore {
  private readonly notifier = new AppendNotifier();
  private readonly subscriptions = new Set<Subscription>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly listener: PostgresAppendListener;
  private readonly pollIntervalMs: number;
  private readonly sql: ReturnType<typeof statements>;
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
    this.listener = new PostgresAppendListener(
      { connectionString: url, connectionTimeoutMillis: 10000 },
      channelFor(schema),
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

  async append(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    if (this.closed) throw new StoreClosedError();
    const expected = options.expectedRevision ?? 'any';
    validateAppend(streamId, events, expected);
    // Serialise now: a caller mutating its objects after the call cannot change what is written.
    const data = events.map((event) => toJson(event.data, `Data of ${event.type}`));
    const metadata = events.map((event) => toJson(event.metadata ?? {}, `Metadata of ${event.type}`));
    return this.track(this.write({ streamId, events, expected, data, metadata }));
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    if (this.closed) throw new StoreClosedError();
    return this.track(this.readStreamRange(streamId, options));
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    if (this.closed) throw new StoreClosedError();
    return this.track(this.readPage(options.after ?? 0, options.maxCount ?? 1000));
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

  private async write(pending: PendingAppend): Promise<AppendResult> {
    const client = await this.pool.connect();
    let healthy = true;
    try {
      const outcome = await this.transaction(client, pending);
      if (!outcome.idempotent) this.advanceHead(outcome.position);
      return outcome;
    } catch (error) {
      // A connection that cannot even roll back is dropped from the pool.
      healthy = await client.query('ROLLBACK').then(
        () => true,
        () => false,
      );
      throw healthy ? await this.mapError(client, pending, error) : error;
    } finally {
      client.release(!healthy);
    }
  }

  /** The body of one append's transaction: commits, or rolls back by returning idempotent or throwing. */
  private async transaction(client: PoolClient, pending: PendingAppend): Promise<AppendResult> {
    const { streamId, events, expected } = pending;
    // The connections pipeline: these three go out together, and the server runs them in
    // order. Concurrent appends to one stream queue at the lock, one at a time, until
    // commit; the ids are looked up after it, so a racer's committed events are visible.
    const ids = events.map((event) => event.id.toLowerCase());
    const [, locked, lookup] = await Promise.all([
      client.query('BEGIN ISOLATION LEVEL READ COMMITTED'),
      client.query<[string]>({ ...this.sql.lockStream, values: [streamId] }),
      client.query<Row>({ ...this.sql.findIds, values: [ids] }),
    ]);
    const last = Number(locked.rows[0][0]);
    const current: StreamState = last < 0 ? 'no_stream' : last;
    const found = toEvents(lookup.rows);
    if (found.length > 0) {
      const byId = new Map(found.map((event) => [event.id.toLowerCase(), event]));
      const first = byId.get(ids[0]);
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
        if (!repeatFitsExpected(expected, first.revision)) {
          throw new WrongExpectedRevisionError(streamId, expected, current);
        }
        await client.query('ROLLBACK');
        return result(streamId, recorded, true);
      }
      const taken = events.find((event) => byId.has(event.id.toLowerCase()));
      throw new DuplicateEventIdError(streamId, taken?.id ?? events[0].id);
    }
    checkExpectedRevision(streamId, expected, current);

    const base = last + 1;
    // Sent together with COMMIT, so the position lock is not held across a round trip.
    // Should the write fail, the server turns that COMMIT into a rollback.
    const [written, committed] = await Promise.all([
      client.query<[string, string]>({
        ...this.sql.write,
        values: [
          streamId,
          events.length,
          base,
          base + events.length - 1,
          events.map((event) => event.id),
          events.map((event) => event.type),
          events.map((event) => event.schemaVersion ?? 1),
          pending.data,
          pending.metadata,
        ],
      }),
      client.query('COMMIT'),
    ]);
    if (committed.command !== 'COMMIT') throw new Error(`Append to ${streamId} rolled back at commit`);
    const [firstPosition, recordedAt] = written.rows[0];
    const start = Number(firstPosition);
    const recorded = events.map((event, i): RecordedEvent => ({
      streamId,
      revision: base + i,
      position: start + i,
      id: event.id,
      type: event.type,
      schemaVersion: event.schemaVersion ?? 1,
      data: JSON.parse(pending.data[i]),
      metadata: JSON.parse(pending.metadata[i]),
      recordedAt,
    }));
    return result(streamId, recorded, false);
  }

  /** Turns unique violations into the store's errors; anything else passes through. */
  private async mapError(client: PoolClient, pending: PendingAppend, error: unknown): Promise<unknown> {
    const { code, constraint, detail } = (error ?? {}) as { code?: string; constraint?: string; detail?: string };
    if (code !== '23505') return error;
    const { streamId, events, expected } = pending;
    if (constraint === CONSTRAINTS.eventId) {
      // A concurrent append to another stream took one of the ids after this one looked.
      const taken = events.find((event) => detail?.toLowerCase().includes(`=(${event.id.toLowerCase()})`));
      return new DuplicateEventIdError(streamId, (taken ?? events[0]).id);
    }
    if (constraint === CONSTRAINTS.streamRevision) {
      // Only a writer that bypassed the stream lock can cause this; report what is there now.
      const now = await client.query<[string | null]>({ ...this.sql.lastRevision, values: [streamId] });
      const last = now.rows[0][0];
      return new WrongExpectedRevisionError(streamId, expected, last === null ? 'no_stream' : Number(last));
    }
    return error;
  }

  private async readPage(after: number, maxCount: number): Promise<RecordedEvent[]> {
    // The same bounds as the reference store's slice of its log.
    // (A NaN `after` slices nothing there, so it reads nothing here.)
    const from = Math.min(Math.max(0, Math.floor(after)), Number.MAX_SAFE_INTEGER);
    if (!(maxCount > 0) || Number.isNaN(from)) return [];
    const limit = maxCount >= Number.MAX_SAFE_INTEGER ? null : Math.floor(maxCount);
    if (limit === 0) return [];
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
    // Inserting the row of a new stream locks it too: a racer's insert waits on ours.
    lockStream: named(
      'lockStream',
      `INSERT INTO ${s}.streams AS s (stream_id, revision) VALUES ($1, -1)
       ON CONFLICT (stream_id) DO UPDATE SET revision = s.revision
       RETURNING revision`,
    ),
    findIds: named('findIds', `SELECT ${columns} FROM ${s}.events WHERE lower(id) = ANY ($1::text[])`),
    // The counter's row lock, taken last and held to commit, orders positions by commit.
    write: named(
      'write',
      `WITH allocated AS (
         UPDATE ${s}.event_store_position SET position = position + $2::bigint
         RETURNING position - $2::bigint AS base, date_trunc('milliseconds', clock_timestamp()) AS at
       ), stream AS (
         UPDATE ${s}.streams SET revision = $4::bigint WHERE stream_id = $1
       ), inserted AS (
         INSERT INTO ${s}.events (position, stream_id, revision, id, type, schema_version, data, metadata, recorded_at)
         SELECT allocated.base + e.ord, $1, $3::bigint + e.ord - 1, e.id, e.type, e.schema_version, e.data, e.metadata,
                allocated.at
         FROM allocated,
              unnest($5::text[], $6::text[], $7::integer[], $8::json[], $9::json[])
                WITH ORDINALITY AS e (id, type, schema_version, data, metadata, ord)
       )
       SELECT base + 1, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
              pg_notify(${literal(channelFor(schema))}, (base + $2::bigint)::text)
       FROM allocated`,
    ),
    lastRevision: named('lastRevision', `SELECT max(revision) FROM ${s}.events WHERE stream_id = $1`),
    readAll: named('readAll', `SELECT ${columns} FROM ${s}.events WHERE position > $1 ORDER BY position LIMIT $2`),
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

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function toJson(value: unknown, what: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new InvalidAppendError(`${what} cannot be stored as JSON: ${(error as Error).message}`);
  }
  if (json === undefined) throw new InvalidAppendError(`${what} cannot be stored as JSON`);
  return json;
}

/** Array.prototype.slice's conversion of an index (NaN to 0, fractions truncated). */
function toIndex(value: number): number {
  if (Number.isNaN(value)) return 0;
  return Math.min(Math.trunc(value), Number.MAX_SAFE_INTEGER);
}

function toEvents(rows: Row[]): RecordedEvent[] {
  const events: RecordedEvent[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    events[i] = {
      streamId: row[1],
      revision: Number(row[2]),
      position: Number(row[0]),
      id: row[3],
      type: row[4],
      schemaVersion: row[5],
      data: row[6],
      metadata: row[7],
      recordedAt: row[8],
    };
  }
  return events;
}

function result(streamId: string, events: RecordedEvent[], idempotent: boolean): AppendResult {
  const last = events[events.length - 1];
  return { streamId, revision: last.revision, position: last.position, events, idempotent };
}
