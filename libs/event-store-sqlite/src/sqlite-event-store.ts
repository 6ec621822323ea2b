import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { DEFAULT_WAL_LIMIT_BYTES, WalCheckpointer } from './wal-checkpointer';
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

export interface SqliteEventStoreOptions {
  /**
   * How long a follower sleeps before re-reading the head of the log when nothing was
   * appended through this instance: the delay at which appends by other processes are seen.
   */
  readonly pollIntervalMs?: number;
  /**
   * How long an append waits for another connection's write lock before failing (default
   * 5 s). It waits on timers, never in SQLite's busy handler, which would block the thread.
   */
  readonly busyTimeoutMs?: number;
  /**
   * Run WAL checkpoints on a thread of their own every this many milliseconds, instead of
   * inside the commit that fills the WAL (decision 0011). Off (0) by default; the store
   * factory turns it on for the API and the CLI. Other connections of the process to the
   * same file should then set `wal_autocheckpoint = 0` too.
   */
  readonly checkpointEveryMs?: number;
  /**
   * With `checkpointEveryMs`: past this size (bytes) the checkpoint thread starts the WAL over
   * as soon as no reader holds an old snapshot (decision 0037), and the store's commit that
   * then writes the WAL from its start cuts the file back to this size (`journal_size_limit`);
   * 0 does neither. Default 16 MiB.
   */
  readonly walLimitBytes?: number;
}

/** Counters for tests and benchmarks: how well group commit is grouping. */
export interface SqliteEventStoreStats {
  /** Write transactions committed (one fsync each). */
  readonly commits: number;
  /** Appends that wrote events (idempotent repeats and failed checks excluded). */
  readonly appends: number;
  /** The most appends carried by one commit. */
  readonly largestGroup: number;
  /** Commits put off because another connection held the write lock (each waits on a timer). */
  readonly lockWaits: number;
}

/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how many ran.
 * Append new entries, never edit old ones. Ids compare without case (NOCASE), as the
 * reference store compares them lower-cased.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE events (
     position       INTEGER PRIMARY KEY AUTOINCREMENT,
     stream_id      TEXT    NOT NULL,
     revision       INTEGER NOT NULL,
     id             TEXT    NOT NULL COLLATE NOCASE UNIQUE,
     type           TEXT    NOT NULL,
     schema_version INTEGER NOT NULL,
     data           TEXT    NOT NULL,
     metadata       TEXT    NOT NULL,
     recorded_at    TEXT    NOT NULL,
     UNIQUE (stream_id, revision)
   )`,
];

/**
 * The longest commits are put off for the checkpoint thread's RESTART (decision 0037),
 * should the thread be stuck: past it the store commits and the checkpoint waits for the lock.
 */
const MAX_HOLD_MS = 100;

const COLUMNS = 'position, stream_id, revision, id, type, schema_version, data, metadata, recorded_at';
type Row = [number, string, number, string, string, number, string, string, string];

/** An append waiting for the next group commit, its payload already serialised. */
interface PendingAppend {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly expected: ExpectedRevision;
  readonly data: readonly string[];
  readonly metadata: readonly string[];
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
  /** When its group first found the file locked by another connection. */
  lockedSince?: number;
}

type Outcome = { ok: true; result: AppendResult; position: number } | { ok: false; error: unknown };

/**
 * The embedded default store: one SQLite file in WAL mode with synchronous=FULL, so an
 * append resolves only once its commit is fsync'd. Appends are group-committed: every
 * append queued during one turn of the event loop is written in one transaction (each in
 * its own savepoint, so a failed check fails only that append) and made durable by one
 * fsync. Several processes may open the same file: SQLite serialises their writers, and
 * followers poll the head of the log to see the other processes' appends.
 */
export class SqliteEventStore implements EventStore {
  private readonly notifier = new AppendNotifier();
  private readonly subscriptions = new Set<Subscription>();
  private readonly pollIntervalMs: number;
  private readonly busyTimeoutMs: number;
  /** Group commits in a row that found the file locked: the back-off before the next. */
  private lockedTries = 0;
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  /** When commits were first put off for the checkpoint thread's RESTART (0: they are not). */
  private heldSince = 0;
  private closed = false;
  private closing: Promise<void> | undefined;
  /** Highest position known to be committed, by this instance or (after a poll) any other. */
  private lastCommittedPosition: number;
  private counters = { commits: 0, appends: 0, largestGroup: 0, lockWaits: 0 };
  private checkpointer: WalCheckpointer | undefined;

  private readonly statements: {
    readonly head: Database.Statement<[], number | null>;
    readonly findId: Database.Statement<[string], { stream_id: string; revision: number } | undefined>;
    readonly lastRevision: Database.Statement<[string], number | null>;
    readonly insert: Database.Statement<[string, number, string, string, number, string, string, string]>;
    readonly readAll: Database.Statement<[number, number], Row>;
    readonly readForwards: Database.Statement<[string, number, number], Row>;
    readonly readBackwards: Database.Statement<[string, number, number], Row>;
  };
  /** The whole group: BEGIN IMMEDIATE … COMMIT (call `.immediate`). */
  private readonly writeGroup: (group: readonly PendingAppend[], outcomes: Outcome[], recordedAt: string) => void;
  /** One append, nested in the group's transaction, hence its own savepoint. */
  private readonly writeAppend: (pending: PendingAppend, recordedAt: string) => Outcome;

  private constructor(
    private readonly db: Database.Database,
    options: SqliteEventStoreOptions,
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 200;
    this.busyTimeoutMs = Math.max(0, options.busyTimeoutMs ?? 5000);
    this.statements = {
      head: db.prepare<[], number | null>('SELECT MAX(position) FROM events').pluck(),
      findId: db.prepare('SELECT stream_id, revision FROM events WHERE id = ?'),
      lastRevision: db.prepare<[string], number | null>('SELECT MAX(revision) FROM events WHERE stream_id = ?').pluck(),
      insert: db.prepare(
        `INSERT INTO events (stream_id, revision, id, type, schema_version, data, metadata, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      readAll: db
        .prepare<[number, number], Row>(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`)
        .raw(),
      readForwards: db
        .prepare<[string, number, number], Row>(
          `SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? AND revision < ? ORDER BY revision`,
        )
        .raw(),
      readBackwards: db
        .prepare<[string, number, number], Row>(
          `SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? AND revision < ? ORDER BY revision DESC`,
        )
        .raw(),
    };
    this.writeAppend = db.transaction((pending: PendingAppend, recordedAt: string) =>
      this.writeOne(pending, recordedAt),
    );
    const group = db.transaction((pendings: readonly PendingAppend[], outcomes: Outcome[], recordedAt: string) => {
      for (let i = 0; i < pendings.length; i++) {
        try {
          outcomes[i] = this.writeAppend(pendings[i], recordedAt);
        } catch (error) {
          // An I/O error may have rolled back the whole transaction: then nothing of the
          // group was written, and the whole group must fail.
          if (!db.inTransaction) throw error;
          outcomes[i] = { ok: false, error };
        }
      }
    });
    this.writeGroup = group.immediate;
    this.lastCommittedPosition = this.statements.head.get() ?? 0;
  }

  /** Opens (creating it and its folder if needed) and migrates the store at `filename`. */
  static async open(filename: string, options: SqliteEventStoreOptions = {}): Promise<SqliteEventStore> {
    const inMemory = filename === ':memory:' || filename === '';
    if (!inMemory) mkdirSync(dirname(filename), { recursive: true });
    const db = new Database(filename);
    try {
      // Opening and migrating may wait for another process's lock (once, before anything is served).
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
      db.pragma('journal_mode = WAL');
      // FULL: in WAL mode, every commit fsyncs the log, so an acknowledged append survives power loss.
      db.pragma('synchronous = FULL');
      migrate(db);
      // From here a locked file is waited for on timers (flush), not in SQLite's sleeping busy handler.
      db.pragma('busy_timeout = 0');
      const store = new SqliteEventStore(db, options);
      if (!inMemory && options.checkpointEveryMs && options.checkpointEveryMs > 0) {
        db.pragma('wal_autocheckpoint = 0');
        const limitBytes = Math.max(0, Math.floor(options.walLimitBytes ?? DEFAULT_WAL_LIMIT_BYTES));
        // The commit that writes the WAL from its start again cuts the file back to the limit
        // (an ftruncate; it waits for nobody).
        if (limitBytes > 0) db.pragma(`journal_size_limit = ${limitBytes}`);
        store.checkpointer = new WalCheckpointer(
          filename,
          options.checkpointEveryMs,
          () => {
            // Never let the WAL grow without bound: checkpoint in the commits again.
            if (db.open) db.pragma('wal_autocheckpoint = 1000');
          },
          { limitBytes },
        );
      }
      return store;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Live subscriptions and waiting followers; both zero once every subscription stopped. */
  get resources(): { subscriptions: number; waiting: number } {
    return { subscriptions: this.subscriptions.size, waiting: this.notifier.waiting };
  }

  get stats(): SqliteEventStoreStats {
    return { ...this.counters };
  }

  /** The background checkpoints' progress, when they are on (`checkpointEveryMs`). */
  get checkpoints(): WalCheckpointer | undefined {
    return this.checkpointer;
  }

  async append(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    if (this.closed) throw new StoreClosedError();
    const expected = options.expectedRevision ?? 'any';
    validateAppend(streamId, events, expected);
    // Serialise now: a caller mutating its objects after the call cannot change what is written.
    const data = events.map((event) => toStoredJson(event.data, `Data of ${event.type}`));
    const metadata = events.map((event) => toStoredJson(event.metadata ?? {}, `Metadata of ${event.type}`));
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ streamId, events, expected, data, metadata, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    if (this.closed) throw new StoreClosedError();
    // Bounds computed exactly as the in-memory store's slice does, then read as a range.
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    if (maxCount <= 0) return [];
    if (options.direction === 'backwards') {
      const last = this.statements.lastRevision.get(streamId);
      if (last === null || last === undefined) return [];
      const from = Math.min(options.fromRevision ?? last, last);
      if (from < 0) return [];
      const start = toIndex(Math.max(0, from - maxCount + 1));
      const end = toIndex(from + 1);
      return toEvents(this.statements.readBackwards.all(streamId, start, end));
    }
    const from = Math.max(0, options.fromRevision ?? 0);
    const start = toIndex(from);
    const end = toIndex(from + maxCount);
    if (end <= start) return [];
    return toEvents(this.statements.readForwards.all(streamId, start, end));
  }

  async headPosition(): Promise<number> {
    if (this.closed) throw new StoreClosedError();
    return this.statements.head.get() ?? 0;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    if (this.closed) throw new StoreClosedError();
    return this.readPage(options.after ?? 0, options.maxCount ?? 1000);
  }

  async readAllStored(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    if (this.closed) throw new StoreClosedError();
    return toEvents(this.pageRows(options.after ?? 0, options.maxCount ?? 1000), true);
  }

  subscribe(options: SubscribeOptions = {}): Subscription {
    if (this.closed) throw new StoreClosedError();
    // Returning at once for a head already known is done once per position, so that a head
    // that readPage cannot see (events deleted under the store) cannot spin the loop, which
    // would starve every timer of the process (as the PostgreSQL store does).
    let skippedWaitAfter = -1;
    const subscription = new CatchUpSubscription(
      {
        readPage: async (after, maxCount) => (this.closed ? [] : this.readPage(after, maxCount)),
        waitForAppend: (after, signal) => {
          const skip = this.lastCommittedPosition > after && skippedWaitAfter !== after && !this.closed;
          if (skip) skippedWaitAfter = after;
          return this.waitForAppend(after, signal, skip);
        },
      },
      { after: options.after, onStop: (s) => this.subscriptions.delete(s) },
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Refuses new appends, commits those already queued, stops subscriptions, closes the file. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.closed = true;
    this.flush();
    // A group waiting for another connection's lock is still to be written (or failed).
    while (this.queue.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, backOff(this.lockedTries)));
      this.flush();
    }
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    await this.checkpointer?.stop();
    this.db.close();
  }

  private readPage(after: number, maxCount: number): RecordedEvent[] {
    return toEvents(this.pageRows(after, maxCount));
  }

  private pageRows(after: number, maxCount: number): Row[] {
    if (!(maxCount > 0)) return [];
    const limit = maxCount >= Number.MAX_SAFE_INTEGER ? -1 : Math.floor(maxCount);
    return this.statements.readAll.all(Math.max(0, Math.floor(after)), limit);
  }

  private async waitForAppend(_after: number, signal: AbortSignal, skip: boolean): Promise<void> {
    if (skip) return;
    await this.notifier.wait(signal, this.pollIntervalMs);
    // Woken by this instance's commit or by the timer: another process may have appended.
    if (!this.closed && !signal.aborted) this.refreshHead();
  }

  private refreshHead(): void {
    const head = this.statements.head.get() ?? 0;
    if (head > this.lastCommittedPosition) this.lastCommittedPosition = head;
  }

  /**
   * Writes every queued append in one transaction, then settles each append's promise.
   * The write is synchronous, so appends made meanwhile (by callbacks of this group's
   * promises, say) land in a fresh queue and the next group.
   */
  private flush(): void {
    this.flushScheduled = false;
    const group = this.queue;
    if (group.length === 0) return;
    if (
      this.checkpointer?.restarting &&
      !this.closed &&
      (this.heldSince === 0 || Date.now() - this.heldSince < MAX_HOLD_MS)
    ) {
      // The checkpoint thread is starting the WAL over (decision 0037): commit once it is done.
      if (this.heldSince === 0) this.heldSince = Date.now();
      this.flushScheduled = true;
      setTimeout(() => this.flush(), 1);
      return;
    }
    this.heldSince = 0;
    this.queue = [];
    const outcomes: Outcome[] = new Array(group.length);
    try {
      this.writeGroup(group, outcomes, new Date().toISOString());
    } catch (error) {
      if (isBusy(error) && !this.db.inTransaction) return this.waitForLock(group, error);
      for (const pending of group) pending.reject(error);
      return;
    }
    this.lockedTries = 0;
    let written = 0;
    for (const outcome of outcomes) {
      if (outcome.ok && !outcome.result.idempotent) {
        written++;
        if (outcome.position > this.lastCommittedPosition) this.lastCommittedPosition = outcome.position;
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
    if (written > 0) this.notifier.notify();
  }

  /**
   * Another connection holds the write lock, so nothing of the group was written: it goes
   * back to the head of the queue and the next flush, after a timer, carries it with the
   * appends made meanwhile. An append that has waited busyTimeoutMs fails with SQLITE_BUSY.
   */
  private waitForLock(group: PendingAppend[], error: unknown): void {
    this.counters.lockWaits++;
    const now = Date.now();
    const waiting: PendingAppend[] = [];
    for (const pending of group) {
      pending.lockedSince ??= now;
      if (now - pending.lockedSince >= this.busyTimeoutMs) pending.reject(error);
      else waiting.push(pending);
    }
    this.queue = waiting.concat(this.queue);
    if (this.queue.length === 0 || this.closed) return; // close() flushes again itself
    this.flushScheduled = true;
    setTimeout(() => this.flush(), backOff(this.lockedTries++));
  }

  /** One append inside the group's transaction; throws (rolling back its savepoint) to fail it. */
  private writeOne(pending: PendingAppend, recordedAt: string): Outcome {
    const { streamId, events, expected } = pending;
    const { findId, lastRevision, insert } = this.statements;
    const last = lastRevision.get(streamId);
    const current: StreamState = last === null || last === undefined ? 'no_stream' : last;

    const first = findId.get(events[0].id);
    if (first) {
      const recorded =
        first.stream_id === streamId
          ? toEvents(this.statements.readForwards.all(streamId, first.revision, first.revision + events.length))
          : [];
      if (!isSameBatch(events, recorded)) throw new DuplicateEventIdError(streamId, events[0].id);
      if (!repeatFitsExpected(expected, first.revision))
        throw new WrongExpectedRevisionError(streamId, expected, current);
      return { ok: true, result: result(streamId, recorded, true), position: recorded[recorded.length - 1].position };
    }
    try {
      checkExpectedRevision(streamId, expected, current);
    } catch (error) {
      // The reference store reports a recorded id before a revision mismatch.
      for (let i = 1; i < events.length; i++) {
        if (findId.get(events[i].id)) throw new DuplicateEventIdError(streamId, events[i].id);
      }
      throw error;
    }

    const base = current === 'no_stream' ? 0 : current + 1;
    const recorded: RecordedEvent[] = new Array(events.length);
    let position = 0;
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      const schemaVersion = event.schemaVersion ?? 1;
      try {
        position = Number(
          insert.run(
            streamId,
            base + i,
            event.id,
            event.type,
            schemaVersion,
            pending.data[i],
            pending.metadata[i],
            recordedAt,
          ).lastInsertRowid,
        );
      } catch (error) {
        if (isDuplicateId(error)) throw new DuplicateEventIdError(streamId, event.id);
        throw error;
      }
      recorded[i] = {
        streamId,
        revision: base + i,
        position,
        id: event.id,
        type: event.type,
        schemaVersion,
        data: JSON.parse(pending.data[i]),
        metadata: JSON.parse(pending.metadata[i]),
        recordedAt,
      };
    }
    return { ok: true, result: result(streamId, recorded, false), position };
  }
}

function migrate(db: Database.Database): void {
  const version = (): number => db.pragma('user_version', { simple: true }) as number;
  if (version() > MIGRATIONS.length) {
    throw new Error(`Event store schema version ${version()} is newer than this accord (${MIGRATIONS.length})`);
  }
  if (version() === MIGRATIONS.length) return;
  // IMMEDIATE: two processes opening a new file at once must not both migrate it.
  db.transaction(() => {
    for (let v = version(); v < MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
}

/** Array.prototype.slice's conversion of an index (NaN to 0, fractions truncated). */
function toIndex(value: number): number {
  if (Number.isNaN(value)) return 0;
  return Math.min(Math.trunc(value), Number.MAX_SAFE_INTEGER);
}

/** Builds envelopes from raw rows: far cheaper than letting the driver build keyed objects. */
function toEvents(rows: Row[]): RecordedEvent[];
function toEvents(rows: Row[], withText: true): StoredEvent[];
function toEvents(rows: Row[], withText = false): RecordedEvent[] {
  const events: RecordedEvent[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const event: RecordedEvent & { dataJson?: string; metadataJson?: string } = {
      streamId: row[1],
      revision: row[2],
      position: row[0],
      id: row[3],
      type: row[4],
      schemaVersion: row[5],
      data: JSON.parse(row[6]),
      metadata: row[7] === '{}' ? {} : JSON.parse(row[7]),
      recordedAt: row[8],
    };
    if (withText) {
      event.dataJson = row[6];
      event.metadataJson = row[7];
    }
    events[i] = event;
  }
  return events;
}

function result(streamId: string, events: RecordedEvent[], idempotent: boolean): AppendResult {
  const last = events[events.length - 1];
  return { streamId, revision: last.revision, position: last.position, events, idempotent };
}

/** SQLITE_BUSY and its extended codes: another connection holds a lock this one needs. */
function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'));
}

/** About 1, 2, 4 … up to 20 ms, jittered so that waiting connections do not retry in step. */
function backOff(tries: number): number {
  return Math.min(20, 2 ** tries) * (0.5 + Math.random());
}

/**
 * Told by code and message, not `instanceof SqliteError`: the native addon keeps the error
 * class of the first copy of better-sqlite3 loaded in the process, and jest loads one copy
 * per test file.
 */
function isDuplicateId(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof message === 'string' && message.includes('events.id');
}
