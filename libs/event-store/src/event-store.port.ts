/**
 * The event-store port: the one contract every adapter (memory, SQLite, PostgreSQL,
 * KurrentDB) implements and the conformance suite checks. Hashing, upcasting, snapshots
 * and id generation are layers around it, not members of it.
 */

/** What the writer believes the stream's last revision is. */
export type ExpectedRevision = number | 'no_stream' | 'stream_exists' | 'any';

/** The state of a stream as an error reports it: its last revision, or that it has none. */
export type StreamState = number | 'no_stream';

/** An event as a writer hands it to the store. */
export interface NewEvent<Data = unknown> {
  /** A UUID chosen by the writer; re-appending the same ids is an idempotent success. */
  readonly id: string;
  /** A stable past-tense name such as `CommitmentProposed`, never a class name read at run time. */
  readonly type: string;
  /** The version of `data`'s shape; 1 when omitted. */
  readonly schemaVersion?: number;
  readonly data: Data;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** An event as the store recorded it: the envelope of docs/design. */
export interface RecordedEvent<Data = unknown> {
  readonly streamId: string;
  /** 0-based, gap-free within the stream. */
  readonly revision: number;
  /** Global position: strictly increasing in commit order, starting above 0; gaps allowed. */
  readonly position: number;
  readonly id: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: Data;
  readonly metadata: Readonly<Record<string, unknown>>;
  /** ISO-8601 instant at which the store committed the event. */
  readonly recordedAt: string;
}

export interface AppendOptions {
  /** Defaults to `any`. */
  readonly expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  readonly streamId: string;
  /** Revision of the last event of the batch: the next append's expected revision. */
  readonly revision: number;
  /** Global position of the last event of the batch. */
  readonly position: number;
  /** The batch as recorded (the earlier records when the append was an idempotent repeat). */
  readonly events: readonly RecordedEvent[];
  /** True when every id was already in the stream at that point and nothing was written. */
  readonly idempotent: boolean;
}

export interface ReadStreamOptions {
  /** Defaults to `forwards`. */
  readonly direction?: 'forwards' | 'backwards';
  /** Inclusive. Defaults to 0 forwards, the last revision backwards. */
  readonly fromRevision?: number;
  /** Defaults to no limit. */
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events with a position greater than this. Defaults to 0 (the beginning). */
  readonly after?: number;
  /** Defaults to 1000. */
  readonly maxCount?: number;
}

export interface SubscribeOptions {
  /** Exclusive: deliver events with a position greater than this. Defaults to 0. */
  readonly after?: number;
}

/**
 * A catch-up subscription to the global log: it delivers every committed event after
 * `after`, in position order, exactly once, then follows live appends until stopped.
 */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  /** Ends the iteration (a pending `next()` resolves as done) and releases its resources. */
  stop(): Promise<void>;
  readonly stopped: boolean;
}

export interface EventStore {
  /**
   * Appends atomically after checking the expected revision. Resolves only once the
   * batch is durable. Rejects with WrongExpectedRevisionError on a mismatch.
   */
  append(streamId: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  /** Reads a stream; an empty array when the stream does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Reads one page of the global log in position order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** The position of the last committed event (0 when the log is empty), where the store can tell cheaply. */
  headPosition?(): Promise<number>;
  subscribe(options?: SubscribeOptions): Subscription;
  /** Finishes in-flight appends, stops subscriptions and releases the store. */
  close(): Promise<void>;
}

/** An event of the global log with its data and metadata as the JSON text the store keeps. */
export interface StoredEvent extends RecordedEvent {
  readonly dataJson: string;
  readonly metadataJson: string;
}

/**
 * Stores that keep each event's JSON text (SQLite, PostgreSQL) can hand it over with the
 * event. The stores write that text in canonical form, the form the event's hash covers,
 * so verification can hash what is stored instead of serialising every event again.
 */
export interface StoredTextReader {
  /** One page of the global log, as readAll, each event with its stored text. */
  readAllStored(options?: ReadAllOptions): Promise<StoredEvent[]>;
}

export function readsStoredText(store: EventStore): store is EventStore & StoredTextReader {
  return typeof (store as Partial<StoredTextReader>).readAllStored === 'function';
}
