import { chainEvents, lastHashOf } from '@accord/audit';
import { fold, type Actor, type Decider, type DomainEvent } from '@accord/commitments';
import { EventStore, RecordedEvent, WrongExpectedRevisionError } from '@accord/event-store';
import { createHash } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

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

/** Conflicts retried, deciding again on fresh state, when the caller sent no If-Match. */
export const CONFLICT_RETRIES = 3;

export interface CommandMeta {
  /** Derived from the Idempotency-Key (or a decision event) when there is one; else random. */
  readonly commandId: string;
  readonly correlationId: string;
  readonly causationId: string;
  readonly actor: Actor;
  /** ISO instant the command was received: the `now` deciders see and the events' `occurredAt`. */
  readonly now: string;
  /** The revision from If-Match: checked against the stream, never retried. */
  readonly ifMatch?: number;
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
 * The command path of docs/design.md: read the stream, fold it, decide, and append with the
 * revision read as the expected revision. A conflict means someone wrote in between: without
 * If-Match, decide again on the fresh state (up to CONFLICT_RETRIES times).
 */
export async function runCommand<C, S, E extends DomainEvent<string, unknown>>(
  store: EventStore,
  streamId: string,
  decider: Decider<C, S, E>,
  makeCommand: (state: S, history: readonly RecordedEvent[]) => C | Promise<C>,
  meta: CommandMeta,
): Promise<CommandOutcome> {
  for (let attempt = 0; ; attempt++) {
    const history = await store.readStream(streamId);
    const current = history.length - 1;

    // The same command (same id) already took effect: answer as it was answered then.
    const earlier = history.filter((e) => e.metadata.commandId === meta.commandId);
    if (earlier.length > 0) return outcome(streamId, earlier, true);

    if (meta.ifMatch !== undefined && meta.ifMatch !== current) {
      throw new WrongExpectedRevisionError(streamId, meta.ifMatch, current < 0 ? 'no_stream' : current);
    }
    const state = fold(decider, history as unknown as E[]);
    const command = await makeCommand(state, history);
    const decided = decider.decide(command, state);
    if (decided.length === 0) {
      return { streamId, revision: current, position: history.at(-1)?.position ?? 0, events: [], repeated: false };
    }
    const events = chainEvents(
      streamId,
      current + 1,
      lastHashOf(history),
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
      return outcome(streamId, result.events, result.idempotent);
    } catch (error) {
      const retry = error instanceof WrongExpectedRevisionError && meta.ifMatch === undefined;
      if (!retry || attempt >= CONFLICT_RETRIES) throw error;
    }
  }
}

function outcome(streamId: string, events: readonly RecordedEvent[], repeated: boolean): CommandOutcome {
  const last = events[events.length - 1];
  return {
    streamId,
    revision: last.revision,
    position: last.position,
    events: events.map((e) => ({ type: e.type, revision: e.revision, position: e.position })),
    repeated,
  };
}
