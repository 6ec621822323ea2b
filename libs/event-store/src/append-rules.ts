import { InvalidAppendError, WrongExpectedRevisionError } from './event-store.errors';
import type { ExpectedRevision, NewEvent, RecordedEvent, StreamState } from './event-store.port';
import { canonicalJson } from './canonical-json';

/** `category-id`: the dash lets KurrentDB's category projections and filters work unchanged. */
const STREAM_ID = /^[A-Za-z][A-Za-z0-9_]*-[A-Za-z0-9_.:-]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EVENT_TYPE = /^[A-Za-z][A-Za-z0-9_.]*$/;

export function isValidStreamId(streamId: string): boolean {
  return typeof streamId === 'string' && streamId.length <= 200 && STREAM_ID.test(streamId);
}

/** The checks every adapter makes before touching storage, so that all reject the same input. */
export function validateAppend(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): void {
  if (!isValidStreamId(streamId)) {
    throw new InvalidAppendError(`Stream id "${String(streamId)}" is not of the form category-id`);
  }
  if (!Array.isArray(events) || events.length === 0) {
    throw new InvalidAppendError(`An append to ${streamId} needs at least one event`);
  }
  if (
    !(expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') &&
    !(Number.isSafeInteger(expected) && expected >= 0)
  ) {
    throw new InvalidAppendError(
      `Expected revision ${String(expected)} is not a revision, no_stream, stream_exists or any`,
    );
  }
  const seen = new Set<string>();
  for (const event of events) {
    if (typeof event.id !== 'string' || !UUID.test(event.id)) {
      throw new InvalidAppendError(`Event id "${String(event.id)}" is not a UUID`);
    }
    // Stryker disable next-line MethodExpression: upper or lower, one case is all the comparison needs
    const id = event.id.toLowerCase();
    if (seen.has(id)) throw new InvalidAppendError(`Event id ${event.id} appears twice in one append`);
    seen.add(id);
    if (typeof event.type !== 'string' || !EVENT_TYPE.test(event.type)) {
      throw new InvalidAppendError(`Event type "${String(event.type)}" is not a name`);
    }
    if (event.schemaVersion !== undefined && !(Number.isSafeInteger(event.schemaVersion) && event.schemaVersion >= 1)) {
      throw new InvalidAppendError(`Schema version of ${event.type} must be a positive integer`);
    }
    if (event.data === undefined) throw new InvalidAppendError(`Event ${event.type} has no data`);
  }
}

/** Throws WrongExpectedRevisionError unless `current` satisfies `expected`. */
export function checkExpectedRevision(streamId: string, expected: ExpectedRevision, current: StreamState): void {
  // A number or no_stream holds when it is the current state itself.
  const ok = expected === 'any' || (expected === 'stream_exists' && current !== 'no_stream') || current === expected;
  if (!ok) throw new WrongExpectedRevisionError(streamId, expected, current);
}

/**
 * Where would a batch whose first id is already recorded at `firstRevision` have started,
 * and does `expected` allow treating it as the same append? Used for idempotent re-appends.
 */
export function repeatFitsExpected(expected: ExpectedRevision, firstRevision: number): boolean {
  if (expected === 'any' || expected === 'stream_exists') return true;
  if (expected === 'no_stream') return firstRevision === 0;
  return firstRevision === expected + 1;
}

/** True when `recorded` is exactly the batch `events` (same ids, in order). */
export function isSameBatch(events: readonly NewEvent[], recorded: readonly RecordedEvent[]): boolean {
  return (
    recorded.length === events.length && recorded.every((r, i) => r.id.toLowerCase() === events[i].id.toLowerCase())
  );
}

/**
 * The text a store keeps for an event's data or metadata: RFC 8785 canonical JSON, the form
 * the event's hash covers, so that an auditor can hash the stored text as it is. Values JSON
 * cannot hold (NaN, infinities, bigint, a top-level undefined or function) are refused.
 */
export function toStoredJson(value: unknown, what: string): string {
  let json: string | undefined;
  try {
    json = canonicalJson(value);
  } catch (error) {
    throw new InvalidAppendError(`${what} cannot be stored as JSON: ${(error as Error).message}`);
  }
  if (json === undefined) throw new InvalidAppendError(`${what} cannot be stored as JSON`);
  return json;
}
