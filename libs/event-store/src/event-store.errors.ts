import type { ExpectedRevision, StreamState } from './event-store.port';

/** Base of every error the store raises on purpose; `code` is stable and machine-readable. */
export abstract class EventStoreError extends Error {
  abstract readonly code: string;
}

export class WrongExpectedRevisionError extends EventStoreError {
  readonly code = 'WRONG_EXPECTED_REVISION';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: StreamState,
  ) {
    super(`Stream ${streamId}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

/** An event id already recorded elsewhere (another stream, or not as this same batch). */
export class DuplicateEventIdError extends EventStoreError {
  readonly code = 'DUPLICATE_EVENT_ID';
  constructor(
    readonly streamId: string,
    readonly eventId: string,
  ) {
    super(`Event id ${eventId} is already recorded and this append to ${streamId} does not repeat its batch`);
    this.name = 'DuplicateEventIdError';
  }
}

/** The append itself is malformed: empty batch, bad stream id, bad event. */
export class InvalidAppendError extends EventStoreError {
  readonly code = 'INVALID_APPEND';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAppendError';
  }
}

export class StoreClosedError extends EventStoreError {
  readonly code = 'STORE_CLOSED';
  constructor() {
    super('The event store is closed');
    this.name = 'StoreClosedError';
  }
}
