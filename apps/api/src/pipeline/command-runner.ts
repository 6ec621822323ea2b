import { chainEvents } from '@accord/audit';
import { type Actor, type Decider, type DomainEvent } from '@accord/commitments';
import { EventStore, recordedAs, RecordedEvent, WrongExpectedRevisionError } from '@accord/event-store';
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { v7 as uuidv7 } from 'uuid';
import { ProblemException } from '../http/problem';
import { commandOutcomeOf } from '../observability/command-outcome';
import { noteCommandType, traceCommand } from '../observability/tracing';
import type { StreamStateCache, WrittenEvent } from './stream-state-cache';

/**
 * Event ids are UUIDv7 made deterministic: the time bits are the command's `now`, the
 * random bits a hash of (command id, index). Time-ordered ids keep the store's id index
 * append-only (decision 0006); determinism makes a replayed command produce the same ids.
 */
export function eventIdFor(commandId: string, index: number, now: string): string {
  const random = createHash('sha256').update(`${commandId}/${index}`).digest().subarray(0, 16);
  const msecs = Date.parse(now);
  return uuidv7({ msecs: Number.isNaN(msecs) ? 0 : msecs, random });
}

/**
 * Conflicts retried, deciding again on fresh state, when the caller sent no If-Match. Within
 * one instance, commands on a stream take turns (StreamStateCache.exclusive), so a conflict is
 * another instance's write: the retries back off, with jitter, so that the two interleave.
 */
export const CONFLICT_RETRIES = 12;
const BACKOFF_BASE_MS = 2;
const BACKOFF_CAP_MS = 250;

/** Full jitter (a random wait up to the exponential bound), as AWS's back-off study advises. */
export function conflictBackoffMs(attempt: number, random = Math.random): number {
  return random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt + 1));
}

/** If-Match: `*` (the stream exists), or the strong revisions any of which it must be at. */
export type IfMatch = '*' | readonly number[];

/** Whether a stream at `current` (-1: none) meets If-Match. */
export function ifMatchHolds(ifMatch: IfMatch, current: number): boolean {
  return ifMatch === '*' ? current >= 0 : ifMatch.includes(current);
}

/**
 * 412 Precondition Failed (RFC 9110 §13.1.1) for an If-Match the stream does not meet, with
 * the revision it is at; the code stays WRONG_EXPECTED_REVISION, as it was under 409.
 */
function preconditionFailed(streamId: string, current: number): ProblemException {
  return new ProblemException(
    412,
    'WRONG_EXPECTED_REVISION',
    current < 0
      ? `If-Match does not hold: stream ${streamId} does not exist`
      : `If-Match does not hold: stream ${streamId} is at revision ${current}`,
    { currentRevision: current < 0 ? null : current },
  );
}

export interface CommandMeta {
  /** Derived from the Idempotency-Key (or a decision event) when there is one; else random. */
  readonly commandId: string;
  readonly correlationId: string;
  readonly causationId: string;
  readonly actor: Actor;
  /** ISO instant the command was received: the `now` deciders see and the events' `occurredAt`. */
  readonly now: string;
  /** If-Match (parseIfMatch): checked against the stream's revision, never retried. */
  readonly ifMatch?: IfMatch;
  /**
   * The command creates its stream (with an id the client may have chosen): on a stream that
   * exists it is a replay when it would write the events that created it, else a conflict.
   */
  readonly creates?: boolean;
}

export interface CommandOutcome {
  readonly streamId: string;
  /** The stream's revision after the command; -1 when it has no events. */
  readonly revision: number;
  /** The global position of the last event written (or of the stream's last, when none was). */
  readonly position: number;
  readonly events: readonly { type: string; revision: number; position: number }[];
  /** The events of this command id were already in the stream: nothing new was written. */
  readonly repeated: boolean;
}

/**
 * The command path of docs/design.md: load the stream's state, decide, and append with the
 * revision read as the expected revision. A conflict means someone wrote in between: without
 * If-Match, decide again on the fresh state (up to CONFLICT_RETRIES times). The state comes
 * from `cache`, which reads only the events appended since it last saw the stream.
 */
export async function runCommand<C, S, E extends DomainEvent<string, unknown>>(
  store: EventStore,
  cache: StreamStateCache,
  streamId: string,
  decider: Decider<C, S, E>,
  makeCommand: (state: S) => C | Promise<C>,
  meta: CommandMeta,
): Promise<CommandOutcome> {
  // A `command <Type>` span around the whole command, when tracing is on (observability/tracing.ts).
  return traceCommand(streamId, meta, commandOutcomeOf, () =>
    cache.exclusive(streamId, () => decideAndAppend(store, cache, streamId, decider, makeCommand, meta)),
  );
}

async function decideAndAppend<C, S, E extends DomainEvent<string, unknown>>(
  store: EventStore,
  cache: StreamStateCache,
  streamId: string,
  decider: Decider<C, S, E>,
  makeCommand: (state: S) => C | Promise<C>,
  meta: CommandMeta,
): Promise<CommandOutcome> {
  const evolve = (state: S, event: RecordedEvent): S => decider.evolve(state, recordedAs<E>(event));
  for (let attempt = 0; ; attempt++) {
    const stream = await cache.load(store, streamId, decider.initialState, evolve);
    const current = stream.revision;

    if (meta.creates && current >= 0) return replayOfCreation(store, streamId, decider, makeCommand, current);

    // The same command (same id) already took effect: answer as it was answered then.
    const earlier = stream.commands.get(meta.commandId);
    if (earlier && earlier.length > 0) return outcome(streamId, earlier, true);

    if (meta.ifMatch !== undefined && !ifMatchHolds(meta.ifMatch, current)) throw preconditionFailed(streamId, current);
    const command = await makeCommand(stream.state);
    noteCommandType(command);
    const decided = decider.decide(command, stream.state);
    if (decided.length === 0) {
      return { streamId, revision: current, position: stream.position, events: [], repeated: false };
    }
    const events = chainEvents(
      streamId,
      current + 1,
      stream.lastHash,
      decided.map((event, index) => ({
        id: eventIdFor(meta.commandId, index, meta.now),
        type: event.type,
        data: event.data,
        metadata: {
          commandId: meta.commandId,
          correlationId: meta.correlationId,
          causationId: meta.causationId,
          actor: meta.actor,
          occurredAt: meta.now,
        },
      })),
    );
    try {
      const result = await store.append(streamId, events, {
        expectedRevision: current < 0 ? 'no_stream' : current,
      });
      if (!result.idempotent) cache.advance(streamId, stream, result.events, evolve);
      return outcome(streamId, result.events, result.idempotent);
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError && meta.ifMatch !== undefined) {
        // Another command moved the stream between the check above and the append.
        throw preconditionFailed(streamId, error.actual === 'no_stream' ? -1 : error.actual);
      }
      const retry = error instanceof WrongExpectedRevisionError;
      if (!retry || attempt >= CONFLICT_RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, conflictBackoffMs(attempt)));
    }
  }
}

/**
 * A creation on a stream that exists: the same creation again (the events it would write are
 * the stream's first events, by type and data) answers as the first did; anything else — other
 * content, another party — is 409 CONFLICT with the stream's revision, and nothing is written.
 */
async function replayOfCreation<C, S, E extends DomainEvent<string, unknown>>(
  store: EventStore,
  streamId: string,
  decider: Decider<C, S, E>,
  makeCommand: (state: S) => C | Promise<C>,
  current: number,
): Promise<CommandOutcome> {
  let decided: readonly E[] = [];
  try {
    decided = decider.decide(await makeCommand(decider.initialState), decider.initialState);
  } catch {
    // Not a valid creation any more (the agreement changed, say): it cannot be the same one.
  }
  const first = decided.length > 0 ? await store.readStream(streamId, { maxCount: decided.length }) : [];
  const same =
    decided.length > 0 &&
    first.length === decided.length &&
    decided.every((e, i) => e.type === first[i].type && canonicalize(e.data) === canonicalize(first[i].data));
  if (same) return outcome(streamId, first, true);
  throw new ProblemException(
    409,
    'CONFLICT',
    `${streamId} already exists with other content; choose another id, or revise it`,
    { currentRevision: current },
  );
}

function outcome(streamId: string, events: readonly WrittenEvent[], repeated: boolean): CommandOutcome {
  const last = events[events.length - 1];
  return {
    streamId,
    revision: last.revision,
    position: last.position,
    events: events.map((e) => ({ type: e.type, revision: e.revision, position: e.position })),
    repeated,
  };
}
