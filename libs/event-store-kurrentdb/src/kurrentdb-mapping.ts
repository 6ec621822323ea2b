/**
 * The pure half of the KurrentDB adapter: how the port's revisions, positions, events,
 * stream names and errors map onto the official client's, with no I/O.
 */
import {
  ANY,
  AccessDeniedError,
  CancelledError,
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  NO_STREAM,
  NotLeaderError,
  START,
  STREAM_EXISTS,
  StreamDeletedError,
  StreamTombstonedError,
  TimeoutError,
  UnavailableError,
  WrongExpectedVersionError,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
} from '@kurrent/kurrentdb-client';
import type {
  AllStreamResolvedEvent,
  AppendStreamState,
  CurrentStreamState,
  EventData,
  Filter,
  JSONType,
  RecordedEvent as KurrentRecordedEvent,
  ReadPosition,
  ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import {
  DuplicateEventIdError,
  EventStoreError,
  InvalidAppendError,
  WrongExpectedRevisionError,
  type ExpectedRevision,
  type NewEvent,
  type RecordedEvent,
  type StreamState,
} from '@accord/event-store';
import { KurrentDbError } from './kurrentdb-event-store.errors';

/**
 * The one metadata key the adapter owns. KurrentDB has no field for a schema version,
 * so it travels in the event's metadata, beside the id of the append attempt that wrote
 * the event (which tells a fresh write from a server-side idempotent repeat). Both are
 * removed again on read, so callers get back exactly the metadata they wrote.
 */
export const ACCORD_METADATA_KEY = '$accord';

interface AccordMetadata {
  readonly schemaVersion: number;
  readonly appendId: string;
}

// ---------------------------------------------------------------- revisions

/** The port's expected revision as the client's `streamState`. */
export function toAppendStreamState(expected: ExpectedRevision): AppendStreamState {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return BigInt(expected);
  }
}

/** A stream revision from the client (a bigint) as the port's number. */
export function toRevision(revision: bigint): number {
  if (revision < 0n || revision > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new KurrentDbError(
      'UNEXPECTED_RESPONSE',
      `KurrentDB returned stream revision ${revision}, outside 0..2^53-1`,
    );
  }
  return Number(revision);
}

/** The client's view of a stream's state (its last revision, or `no_stream`) as the port's. */
export function toStreamState(state: CurrentStreamState): StreamState {
  return state === NO_STREAM ? 'no_stream' : toRevision(state);
}

// ---------------------------------------------------------------- positions

/**
 * The port's global position is KurrentDB's commit position: the byte offset of the
 * event's record in the transaction log. Every event appended over gRPC is its own
 * committed record, so commit = prepare and positions strictly increase, with gaps.
 * A JS number holds it exactly up to 2^53 - 1 bytes, about 9 PB of log; past that the
 * adapter refuses to answer rather than round a position.
 */
export function toPosition(commit: bigint): number {
  if (commit < 0n || commit > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new KurrentDbError(
      'UNEXPECTED_RESPONSE',
      `KurrentDB commit position ${commit} is outside 0..2^53-1 (about 9 PB of log), which the port's numeric positions cannot hold exactly`,
    );
  }
  return Number(commit);
}

/**
 * Where a read of `$all` starts for "events after `after`". KurrentDB reads from a
 * position inclusively, so the caller reads from `after` itself and skips what sits at
 * or before it. `after` must be 0 or a position this adapter returned: a position inside
 * a log record is not a place the server can start from.
 */
export function toReadPosition(after: number): ReadPosition {
  if (!(after > 0)) return START;
  const at = BigInt(Math.floor(after));
  return { commit: at, prepare: at };
}

/**
 * What a server reports for "no position": servers before 22.6 read streams without the
 * events' places in `$all`, and the client yields Position.End (2^64 - 1) for them.
 */
const NO_POSITION = 2n ** 63n;

/**
 * The commit position of an event read from a stream, when the server reported one.
 * Servers before 22.6 (and any server, for events written in explicit transactions) read
 * streams without positions: undefined, and the caller must look the position up in `$all`.
 */
export function streamPositionOf(resolved: ResolvedEvent | AllStreamResolvedEvent): number | undefined {
  const commit = resolved.event?.position?.commit ?? resolved.commitPosition;
  return commit === undefined || commit >= NO_POSITION ? undefined : toPosition(commit);
}

/** The commit position of an event read from `$all`, which always carries one. */
export function positionOf(resolved: ResolvedEvent | AllStreamResolvedEvent): number {
  const commit = resolved.commitPosition ?? resolved.event?.position?.commit;
  if (commit === undefined || commit >= NO_POSITION) {
    throw new KurrentDbError(
      'UNEXPECTED_RESPONSE',
      `KurrentDB returned event ${resolved.event?.id} of $all without a position`,
    );
  }
  return toPosition(commit);
}

// ---------------------------------------------------------------- stream names

const NAMESPACE = /^[A-Za-z][A-Za-z0-9_]{0,49}$/;

/** Throws unless `namespace` can prefix stream names without colliding with another namespace. */
export function validateNamespace(namespace: string | undefined): void {
  if (namespace !== undefined && !NAMESPACE.test(namespace)) {
    throw new KurrentDbError(
      'KURRENTDB_ERROR',
      `Namespace "${namespace}" must be a letter followed by up to 49 letters, digits or underscores`,
    );
  }
}

/**
 * `commitment-42` is stored as `commitment-42`, or as `<namespace>.commitment-42` when the
 * store has a namespace. The namespace holds no dot, so `ns.` never prefixes `ns2.`'s streams.
 */
export function toServerStreamName(streamId: string, namespace: string | undefined): string {
  return namespace === undefined ? streamId : `${namespace}.${streamId}`;
}

export function fromServerStreamName(name: string, namespace: string | undefined): string {
  const prefix = namespace === undefined ? '' : `${namespace}.`;
  return name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

/**
 * The server-side filter for reading and following `$all`: the namespace's streams, or
 * else every event whose type does not start with `$` (KurrentDB's system events).
 */
export function logFilter(namespace: string | undefined): Filter {
  return namespace === undefined ? excludeSystemEvents() : streamNameFilter({ prefixes: [`${namespace}.`] });
}

/**
 * The same rule applied again to each event the server returns: system streams and types
 * start with `$`, and a namespaced store sees only its own streams.
 */
export function belongsToStore(event: Pick<KurrentRecordedEvent, 'streamId' | 'type'>, namespace?: string): boolean {
  if (event.streamId.startsWith('$') || event.type.startsWith('$')) return false;
  return namespace === undefined || event.streamId.startsWith(`${namespace}.`);
}

// ---------------------------------------------------------------- events

/** Rejects, before anything is sent, metadata that would collide with the adapter's own key. */
export function assertNoReservedMetadata(streamId: string, events: readonly NewEvent[]): void {
  for (const event of events) {
    if (event.metadata && Object.prototype.hasOwnProperty.call(event.metadata, ACCORD_METADATA_KEY)) {
      throw new InvalidAppendError(
        `Event ${event.id} to ${streamId}: metadata key "${ACCORD_METADATA_KEY}" is reserved by the KurrentDB store`,
      );
    }
  }
}

/**
 * A new event as the client's JSON event. Its id is the writer's UUID, so the server's
 * own idempotency check recognises a retried append.
 */
export function toEventData(event: NewEvent, appendId: string): EventData {
  const accord: AccordMetadata = { schemaVersion: event.schemaVersion ?? 1, appendId };
  return jsonEvent({
    id: event.id,
    type: event.type,
    // The client serialises data with JSON.stringify, as the SQL stores do.
    data: event.data as JSONType,
    metadata: { ...event.metadata, [ACCORD_METADATA_KEY]: accord },
  });
}

/** Splits stored metadata into the caller's metadata and the adapter's own fields. */
export function fromStoredMetadata(stored: unknown): {
  metadata: Record<string, unknown>;
  schemaVersion: number;
  appendId: string | undefined;
} {
  if (stored === null || typeof stored !== 'object' || Array.isArray(stored) || stored instanceof Uint8Array) {
    // Written by something other than accord: no metadata it could read.
    return { metadata: {}, schemaVersion: 1, appendId: undefined };
  }
  const { [ACCORD_METADATA_KEY]: accord, ...metadata } = stored as Record<string, unknown>;
  const own = (accord ?? {}) as Partial<AccordMetadata>;
  const schemaVersion =
    Number.isSafeInteger(own.schemaVersion) && (own.schemaVersion as number) >= 1 ? (own.schemaVersion as number) : 1;
  return { metadata, schemaVersion, appendId: typeof own.appendId === 'string' ? own.appendId : undefined };
}

/** The id of the append attempt that wrote `event`, if accord wrote it. */
export function appendIdOf(event: Pick<KurrentRecordedEvent, 'metadata'>): string | undefined {
  return fromStoredMetadata(event.metadata).appendId;
}

/** An event read back from KurrentDB as the port's envelope; `created` becomes `recordedAt`. */
export function toRecordedEvent(event: KurrentRecordedEvent, position: number, namespace?: string): RecordedEvent {
  const { metadata, schemaVersion } = fromStoredMetadata(event.metadata);
  return {
    streamId: fromServerStreamName(event.streamId, namespace),
    revision: toRevision(event.revision),
    position,
    id: event.id,
    type: event.type,
    schemaVersion,
    data: event.data,
    metadata,
    recordedAt: event.created.toISOString(),
  };
}

// ---------------------------------------------------------------- errors

/** gRPC status codes, as raw `@grpc/grpc-js` errors carry them when the client does not convert them. */
const GRPC = {
  CANCELLED: 1,
  DEADLINE_EXCEEDED: 4,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
};

/**
 * The client's wrong-expected-version error as the port's error, naming the actual
 * revision. With `any`, or `stream_exists` on a stream that exists, the server refuses an
 * append only when it finds the batch's first id in the stream but not the rest of the
 * batch after it (its "corrupted idempotency"): a partial repeat, which the port calls a
 * duplicate id.
 */
export function fromWrongExpectedVersion(
  error: WrongExpectedVersionError,
  streamId: string,
  expected: ExpectedRevision,
  firstEventId: string,
): WrongExpectedRevisionError | DuplicateEventIdError {
  const actual = toStreamState(error.actualState);
  if (expected === 'any' || (expected === 'stream_exists' && actual !== 'no_stream')) {
    return new DuplicateEventIdError(streamId, firstEventId);
  }
  return new WrongExpectedRevisionError(streamId, expected, actual);
}

/** A node that is not the leader refused a request that must run on the leader; the client reconnects to the leader. */
export function isNotLeader(error: unknown): error is NotLeaderError {
  return error instanceof NotLeaderError;
}

/**
 * The server refused an append for its size in a way client 1.3.1 does not turn into
 * MaxAppendSizeExceededError: one event over MaxAppendEventSize (servers from 25.0; an
 * UnknownError naming MaximumAppendEventSizeExceeded, or the server's own sentence), or a
 * gRPC message over what the server receives (RESOURCE_EXHAUSTED).
 */
function isAppendTooLarge(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if ((error as { code?: unknown }).code === GRPC.RESOURCE_EXHAUSTED) return true;
  return /MaximumAppendEventSizeExceeded|Maximum Append Event Size/i.test(error.message);
}

/** True for failures after which the outcome of a request is unknown and a retry may succeed. */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof KurrentDbError) return error.code === 'STORE_UNAVAILABLE';
  if (
    error instanceof UnavailableError ||
    error instanceof DeadlineExceededError ||
    error instanceof TimeoutError ||
    error instanceof CancelledError ||
    error instanceof NotLeaderError
  ) {
    return true;
  }
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (code === GRPC.UNAVAILABLE || code === GRPC.DEADLINE_EXCEEDED || code === GRPC.CANCELLED) return true;
  return /^Failed to discover/.test(error.message);
}

/**
 * Any error from the client as one a caller of the port can act on. The port's own errors
 * pass through; wrong-expected-version needs the stream and is mapped by
 * fromWrongExpectedVersion; the rest become KurrentDbError (or InvalidAppendError for an
 * append larger than the server accepts), with the client's error as `cause`.
 */
export function toStoreError(error: unknown, operation: string, target = 'KurrentDB'): Error {
  if (error instanceof EventStoreError) return error;
  const detail = error instanceof Error ? error.message || error.constructor.name : String(error);
  if (isNotLeader(error)) {
    const leader = error.leader ? `${error.leader.address}:${error.leader.port}` : 'unknown';
    return new KurrentDbError(
      'STORE_UNAVAILABLE',
      `${target} is unavailable (${operation}): the node is not the leader (the leader is ${leader}), and still was not after the client reconnected; connect with nodePreference=leader`,
      { cause: error },
    );
  }
  if (isUnavailable(error)) {
    return new KurrentDbError('STORE_UNAVAILABLE', `${target} is unavailable (${operation}): ${detail}`, {
      cause: error,
    });
  }
  if (error instanceof MaxAppendSizeExceededError) {
    return new InvalidAppendError(
      `${operation}: the batch is larger than the server's maximum append size of ${error.maxAppendSize} bytes (MaxAppendSize; the server counts data, metadata and twice the type's length of each event)`,
    );
  }
  if (isAppendTooLarge(error)) {
    return new InvalidAppendError(
      `${operation}: an event is larger than the server accepts (MaxAppendEventSize, or gRPC's message limit): ${detail}`,
    );
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof AccessDeniedError || code === GRPC.PERMISSION_DENIED || code === GRPC.UNAUTHENTICATED) {
    return new KurrentDbError(
      'ACCESS_DENIED',
      `${target} denied access (${operation}); accord's user must be able to read $all and write its streams: ${detail}`,
      { cause: error },
    );
  }
  if (error instanceof StreamDeletedError || error instanceof StreamTombstonedError) {
    return new KurrentDbError('STREAM_DELETED', `${operation}: the stream was deleted in KurrentDB: ${detail}`, {
      cause: error,
    });
  }
  return new KurrentDbError('KURRENTDB_ERROR', `${target} failed (${operation}): ${detail}`, { cause: error });
}

/** A connection string fit for an error message: the scheme and hosts, without credentials or options. */
export function describeTarget(connectionString: string): string {
  const match = /^([a-z+]+:\/\/)(?:[^@/?]*@)?([^/?]*)/i.exec(connectionString.trim());
  return match ? `KurrentDB at ${match[1]}${match[2]}` : 'KurrentDB';
}
