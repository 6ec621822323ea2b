import { randomUUID } from 'node:crypto';
import {
  ANY,
  AccessDeniedError,
  DeadlineExceededError,
  EVENT_TYPE,
  MaxAppendSizeExceededError,
  NO_STREAM,
  NotLeaderError,
  START,
  STREAM_EXISTS,
  STREAM_NAME,
  StreamDeletedError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
  excludeSystemEvents,
} from '@kurrent/kurrentdb-client';
import type { JSONRecordedEvent, RecordedEvent as KurrentRecordedEvent } from '@kurrent/kurrentdb-client';
import {
  DuplicateEventIdError,
  InvalidAppendError,
  StoreClosedError,
  WrongExpectedRevisionError,
  type ExpectedRevision,
  type NewEvent,
} from '@accord/event-store';
import { KurrentDbError } from './kurrentdb-event-store.errors';
import {
  ACCORD_METADATA_KEY,
  appendIdOf,
  assertNoReservedMetadata,
  belongsToStore,
  describeTarget,
  fromServerStreamName,
  fromWrongExpectedVersion,
  fromStoredMetadata,
  isNotLeader,
  isUnavailable,
  logFilter,
  positionOf,
  streamPositionOf,
  toAppendStreamState,
  toEventData,
  toPosition,
  toReadPosition,
  toRecordedEvent,
  toRevision,
  toServerStreamName,
  toStoreError,
  toStreamState,
  validateNamespace,
} from './kurrentdb-mapping';

/** What the client yields for an event it reads: the JSON it was sent, parsed back. */
function asRead(
  data: ReturnType<typeof toEventData>,
  overrides: Partial<JSONRecordedEvent> = {},
): KurrentRecordedEvent {
  return {
    streamId: 'commitment-1',
    id: data.id,
    revision: 4n,
    type: data.type,
    created: new Date('2025-03-04T05:06:07.089Z'),
    isJson: true,
    data: JSON.parse(JSON.stringify(data.data)),
    metadata: JSON.parse(JSON.stringify(data.metadata)),
    position: { commit: 5120n, prepare: 5120n },
    ...overrides,
  } as KurrentRecordedEvent;
}

/** A raw @grpc/grpc-js ServiceError, as the client lets some through unconverted. */
function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}

describe('expected revisions', () => {
  it.each<[ExpectedRevision, unknown]>([
    ['any', ANY],
    ['no_stream', NO_STREAM],
    ['stream_exists', STREAM_EXISTS],
    [0, 0n],
    [41, 41n],
    [Number.MAX_SAFE_INTEGER, 9007199254740991n],
  ])('sends %p as the client stream state %p', (expected, state) => {
    expect(toAppendStreamState(expected)).toBe(state);
  });

  it('reads the client’s stream state back as the port’s', () => {
    expect(toStreamState(NO_STREAM)).toBe('no_stream');
    expect(toStreamState(0n)).toBe(0);
    expect(toStreamState(12345n)).toBe(12345);
  });

  it('refuses revisions a number cannot hold exactly', () => {
    expect(toRevision(9007199254740991n)).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => toRevision(9007199254740992n)).toThrow(KurrentDbError);
    expect(() => toRevision(-1n)).toThrow(/outside/);
  });
});

describe('positions', () => {
  it('uses the commit position as the global position, exactly up to 2^53 - 1 bytes', () => {
    expect(toPosition(0n)).toBe(0);
    expect(toPosition(123_456_789_012n)).toBe(123456789012);
    expect(toPosition(BigInt(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    const error = (() => {
      try {
        return toPosition(BigInt(Number.MAX_SAFE_INTEGER) + 1n);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(KurrentDbError);
    expect(error).toMatchObject({ code: 'UNEXPECTED_RESPONSE', message: expect.stringContaining('9 PB') });
  });

  it('reads the log from the start, or from a position with commit = prepare (inclusive on the server)', () => {
    expect(toReadPosition(0)).toBe(START);
    expect(toReadPosition(-5)).toBe(START);
    expect(toReadPosition(Number.NaN)).toBe(START);
    expect(toReadPosition(5120)).toEqual({ commit: 5120n, prepare: 5120n });
    expect(toReadPosition(5120.9)).toEqual({ commit: 5120n, prepare: 5120n });
  });

  it('takes an event’s position from the event, else from the resolved commit position', () => {
    const event = asRead(toEventData({ id: randomUUID(), type: 'T', data: {} }, randomUUID()));
    expect(positionOf({ event })).toBe(5120);
    expect(positionOf({ event: { ...event, position: undefined } as KurrentRecordedEvent, commitPosition: 77n })).toBe(
      77,
    );
    expect(() => positionOf({ event: { ...event, position: undefined } as KurrentRecordedEvent })).toThrow(
      /without a position/,
    );
  });

  it('takes a stream read’s position when the server gave one, and none for Position.End (servers before 22.6)', () => {
    const event = asRead(toEventData({ id: randomUUID(), type: 'T', data: {} }, randomUUID()));
    const end = 2n ** 64n - 1n;
    expect(streamPositionOf({ event })).toBe(5120);
    expect(streamPositionOf({ event: { ...event, position: { commit: end, prepare: end } } })).toBeUndefined();
    expect(streamPositionOf({ event: { ...event, position: undefined } as KurrentRecordedEvent })).toBeUndefined();
    expect(() => positionOf({ event: { ...event, position: { commit: end, prepare: end } } })).toThrow(
      /without a position/,
    );
  });
});

describe('stream names and the log filter', () => {
  it('keeps stream ids as they are, or prefixes them with the namespace and a dot', () => {
    expect(toServerStreamName('commitment-42', undefined)).toBe('commitment-42');
    expect(toServerStreamName('commitment-42', 'staging')).toBe('staging.commitment-42');
    expect(fromServerStreamName('staging.commitment-42', 'staging')).toBe('commitment-42');
    expect(fromServerStreamName('commitment-42', undefined)).toBe('commitment-42');
  });

  it.each(['a.b', 'a-b', '', '1abc', '$system', 'x'.repeat(51)])('refuses the namespace %p', (namespace) => {
    expect(() => validateNamespace(namespace)).toThrow(KurrentDbError);
  });

  it('accepts namespaces that cannot prefix one another', () => {
    expect(() => validateNamespace('conformance_0f3a')).not.toThrow();
    expect(() => validateNamespace(undefined)).not.toThrow();
  });

  it('filters out system events on the server, by type, without a namespace', () => {
    const filter = logFilter(undefined);
    expect(filter).toEqual(excludeSystemEvents());
    expect(filter).toMatchObject({ filterOn: EVENT_TYPE, regex: '^[^$].*' });
  });

  it('filters on the namespace’s stream prefix, with its dot, when there is one', () => {
    expect(logFilter('staging')).toMatchObject({ filterOn: STREAM_NAME, prefixes: ['staging.'] });
  });

  it('drops system streams and types, and other namespaces, on the client too', () => {
    expect(belongsToStore({ streamId: 'commitment-1', type: 'CommitmentProposed' })).toBe(true);
    expect(belongsToStore({ streamId: '$ce-commitment', type: '$>' })).toBe(false);
    expect(belongsToStore({ streamId: '$stats-127.0.0.1:2113', type: 'StatsCollected' })).toBe(false);
    expect(belongsToStore({ streamId: 'commitment-1', type: '$metadata' })).toBe(false);
    expect(belongsToStore({ streamId: 'staging.commitment-1', type: 'T' }, 'staging')).toBe(true);
    expect(belongsToStore({ streamId: 'staging2.commitment-1', type: 'T' }, 'staging')).toBe(false);
    expect(belongsToStore({ streamId: 'commitment-1', type: 'T' }, 'staging')).toBe(false);
  });
});

describe('events', () => {
  const event: NewEvent = {
    id: randomUUID(),
    type: 'CommitmentProposed',
    schemaVersion: 3,
    data: { title: 'Joint training', when: '2025-01-01', list: [1, 'two', null] },
    metadata: { commandId: 'c-1', actor: { id: 'k1', party: 'MA' }, $correlationId: 'kept as is' },
  };

  it('sends the writer’s id as the event id, as JSON, with the schema version and append id in metadata', () => {
    const appendId = randomUUID();
    const data = toEventData(event, appendId);
    expect(data).toEqual({
      id: event.id,
      contentType: 'application/json',
      type: 'CommitmentProposed',
      data: event.data,
      metadata: { ...event.metadata, [ACCORD_METADATA_KEY]: { schemaVersion: 3, appendId } },
    });
  });

  it('defaults the schema version to 1', () => {
    const data = toEventData({ id: randomUUID(), type: 'Plain', data: {} }, 'a');
    expect(data.metadata).toEqual({ [ACCORD_METADATA_KEY]: { schemaVersion: 1, appendId: 'a' } });
  });

  it('reads the envelope back exactly as written, without the adapter’s own metadata', () => {
    const appendId = randomUUID();
    const read = asRead(toEventData(event, appendId), { streamId: 'staging.commitment-1' });
    expect(toRecordedEvent(read, 5120, 'staging')).toEqual({
      streamId: 'commitment-1',
      revision: 4,
      position: 5120,
      id: event.id,
      type: 'CommitmentProposed',
      schemaVersion: 3,
      data: event.data,
      metadata: event.metadata,
      recordedAt: '2025-03-04T05:06:07.089Z',
    });
    expect(appendIdOf(read)).toBe(appendId);
  });

  it.each([
    ['no metadata', undefined],
    ['binary metadata', new Uint8Array([1, 2])],
    ['an array', [1, 2]],
    ['a string', 'note'],
  ])('reads an event written by another tool with %s as metadata {} at schema version 1', (_name, metadata) => {
    expect(fromStoredMetadata(metadata)).toEqual({ metadata: {}, schemaVersion: 1, appendId: undefined });
  });

  it('ignores a malformed schema version from another tool', () => {
    expect(fromStoredMetadata({ a: 1, [ACCORD_METADATA_KEY]: { schemaVersion: 'two' } })).toEqual({
      metadata: { a: 1 },
      schemaVersion: 1,
      appendId: undefined,
    });
  });

  it('refuses metadata that uses the reserved key, and accepts the rest', () => {
    expect(() =>
      assertNoReservedMetadata('thing-1', [{ id: randomUUID(), type: 'T', data: {}, metadata: { $accord: 1 } }]),
    ).toThrow(InvalidAppendError);
    expect(() =>
      assertNoReservedMetadata('thing-1', [{ id: randomUUID(), type: 'T', data: {}, metadata: { $other: 1 } }]),
    ).not.toThrow();
  });
});

describe('errors', () => {
  const wrongVersion = (
    expected: bigint | typeof ANY | typeof NO_STREAM | typeof STREAM_EXISTS,
    current: bigint | typeof NO_STREAM,
  ) => new WrongExpectedVersionError(undefined, { streamName: 'staging.commitment-1', expected, current });

  it('maps the client’s WrongExpectedVersionError to ours, naming the actual revision', () => {
    const mapped = fromWrongExpectedVersion(wrongVersion(1n, 3n), 'commitment-1', 1, randomUUID());
    expect(mapped).toBeInstanceOf(WrongExpectedRevisionError);
    expect(mapped).toMatchObject({
      streamId: 'commitment-1',
      expected: 1,
      actual: 3,
      code: 'WRONG_EXPECTED_REVISION',
    });
  });

  it('names no_stream as the actual state of a stream that does not exist', () => {
    expect(
      fromWrongExpectedVersion(wrongVersion(STREAM_EXISTS, NO_STREAM), 'thing-1', 'stream_exists', 'x'),
    ).toMatchObject({
      expected: 'stream_exists',
      actual: 'no_stream',
    });
    expect(fromWrongExpectedVersion(wrongVersion(NO_STREAM, 0n), 'thing-1', 'no_stream', 'x')).toMatchObject({
      expected: 'no_stream',
      actual: 0,
    });
  });

  it('reads a refusal under any (or stream_exists on an existing stream) as a partial repeat: a duplicate id', () => {
    const id = randomUUID();
    for (const [expected, state] of [
      ['any', ANY],
      ['stream_exists', STREAM_EXISTS],
    ] as const) {
      const mapped = fromWrongExpectedVersion(wrongVersion(state, 4n), 'thing-1', expected, id);
      expect(mapped).toBeInstanceOf(DuplicateEventIdError);
      expect(mapped).toMatchObject({ streamId: 'thing-1', eventId: id, code: 'DUPLICATE_EVENT_ID' });
    }
  });

  it.each<[string, Error]>([
    ['UnavailableError', new UnavailableError(undefined, 'down')],
    ['DeadlineExceededError', new DeadlineExceededError(undefined, 'slow')],
    ['a raw gRPC UNAVAILABLE', grpcError(14, 'No connection established')],
    ['a raw gRPC DEADLINE_EXCEEDED', grpcError(4, 'Deadline exceeded')],
    ['a failed cluster discovery', new Error('Failed to discover after 10 attempts.')],
  ])('maps %s to STORE_UNAVAILABLE, keeping it as the cause', (_name, error) => {
    expect(isUnavailable(error)).toBe(true);
    const mapped = toStoreError(error, 'append to thing-1', 'KurrentDB at kurrentdb://db:2113');
    expect(mapped).toBeInstanceOf(KurrentDbError);
    expect(mapped).toMatchObject({ code: 'STORE_UNAVAILABLE', cause: error });
    expect(mapped.message).toMatch(/^KurrentDB at kurrentdb:\/\/db:2113 is unavailable \(append to thing-1\): /);
  });

  it('maps NotLeaderError to STORE_UNAVAILABLE naming the leader and nodePreference=leader', () => {
    const error = new NotLeaderError({
      message: 'not leader',
      metadata: { 'leader-endpoint-host': 'node2', 'leader-endpoint-port': '2113' },
    } as never);
    expect(isNotLeader(error)).toBe(true);
    expect(isNotLeader(new UnavailableError())).toBe(false);
    const mapped = toStoreError(error, 'append to thing-1');
    expect(mapped).toMatchObject({ code: 'STORE_UNAVAILABLE', cause: error });
    expect(mapped.message).toMatch(/not the leader \(the leader is node2:2113\).*nodePreference=leader/);
  });

  it.each<[string, Error]>([
    [
      'the UnknownError client 1.3.1 makes of MaximumAppendEventSizeExceeded',
      new UnknownError(undefined, 'Could not recognize MaximumAppendEventSizeExceeded'),
    ],
    [
      'the server’s own sentence (unary append)',
      grpcError(3, '3 INVALID_ARGUMENT: Event with Id: x, Size: 200, exceeds Maximum Append Event Size of 100.'),
    ],
    ['a gRPC message over the server’s limit', grpcError(8, 'Received message larger than max')],
  ])('maps %s to InvalidAppendError', (_name, error) => {
    const mapped = toStoreError(error, 'append to thing-1');
    expect(mapped).toBeInstanceOf(InvalidAppendError);
    expect(mapped.message).toMatch(/larger than the server accepts \(MaxAppendEventSize/);
  });

  it('maps an append over the server’s size limit to InvalidAppendError', () => {
    const mapped = toStoreError(MaxAppendSizeExceededError.fromMaxAppendSize(1048576), 'append to thing-1');
    expect(mapped).toBeInstanceOf(InvalidAppendError);
    expect(mapped.message).toMatch(/maximum append size of 1048576 bytes/);
  });

  it.each<[string, Error]>([
    ['AccessDeniedError', new AccessDeniedError()],
    ['a raw gRPC PERMISSION_DENIED', grpcError(7, 'denied')],
    ['a raw gRPC UNAUTHENTICATED', grpcError(16, 'who are you')],
  ])('maps %s to ACCESS_DENIED', (_name, error) => {
    expect(isUnavailable(error)).toBe(false);
    expect(toStoreError(error, 'read $all')).toMatchObject({ code: 'ACCESS_DENIED', cause: error });
  });

  it('maps a deleted stream to STREAM_DELETED', () => {
    expect(toStoreError(StreamDeletedError.fromStreamName('thing-1'), 'read thing-1')).toMatchObject({
      code: 'STREAM_DELETED',
    });
  });

  it('passes the port’s own errors through, and wraps anything else', () => {
    const closed = new StoreClosedError();
    expect(toStoreError(closed, 'append')).toBe(closed);
    const unknown = new UnknownError(undefined, 'odd');
    expect(toStoreError(unknown, 'append to thing-1')).toMatchObject({ code: 'KURRENTDB_ERROR', cause: unknown });
    expect(toStoreError('a string', 'x')).toMatchObject({
      code: 'KURRENTDB_ERROR',
      message: expect.stringMatching(/a string/),
    });
  });

  it('names the server without credentials or options', () => {
    expect(describeTarget('kurrentdb://admin:changeit@db1:2113,db2:2113?tls=false')).toBe(
      'KurrentDB at kurrentdb://db1:2113,db2:2113',
    );
    expect(describeTarget('kurrentdb+discover://cluster.example:2113')).toBe(
      'KurrentDB at kurrentdb+discover://cluster.example:2113',
    );
    expect(describeTarget('garbage')).toBe('KurrentDB');
  });
});
