import { eventInstant, parseInstant, readStreamPages } from '@accord/audit';
import type { EventStore, RecordedEvent } from '@accord/event-store';
import { ProblemException } from '../http/problem';
import { inSlices, SLICE_PAGE } from './slices';

/**
 * Where to stop: at a revision (inclusive), before the first event after an instant, or at the
 * head. The same as commitment-at.ts's Cutoff, which can take it from here.
 */
export type Cutoff = { readonly revision: number } | { readonly asOf: string; readonly asOfMs: number } | undefined;

/** The cutoff of `?revision=` or `?asOf=` (validated instants), or 400 when both are given. */
export function cutoffOf(query: { revision?: number; asOf?: string }): Cutoff {
  if (query.revision !== undefined && query.asOf !== undefined) {
    throw new ProblemException(400, 'VALIDATION_FAILED', 'Give revision or asOf, not both', {
      errors: [{ field: 'asOf', messages: ['revision and asOf cannot be combined'] }],
    });
  }
  if (query.revision !== undefined) return { revision: query.revision };
  if (query.asOf !== undefined) return { asOf: query.asOf, asOfMs: parseInstant(query.asOf)! };
  return undefined;
}

/** How a stream folds: from `initial`, event by event; a state `exists` once the stream's entity does. */
export interface StreamFold<S, E extends S> {
  readonly initial: S;
  evolve(state: S, event: RecordedEvent): S | Promise<S>;
  exists(state: S): state is E;
}

export interface StreamState<S> {
  readonly state: S;
  /** The event that brought the entity into being. */
  readonly first: RecordedEvent;
  /** The last event folded: the state is the one right after it. */
  readonly last: RecordedEvent;
}

/**
 * A stream folded up to a cutoff, as time travel answers it: 404 when the stream has no event,
 * 404 with `lastRevision` when the revision asked for is past its end, 404 when the entity did
 * not exist yet at the cutoff. A long stream is read in slices (slices.ts), so other requests
 * are answered meanwhile. `name` says what the stream is in those answers ("session 5f0c…").
 */
export async function streamAt<S, E extends S>(
  store: EventStore,
  streamId: string,
  cutoff: Cutoff,
  fold: StreamFold<S, E>,
  name: string,
): Promise<StreamState<E>> {
  let state: S = fold.initial;
  let existing: E | undefined;
  let first: RecordedEvent | undefined;
  let last: RecordedEvent | undefined;
  let seen = false;
  let lastRevision = -1;
  reading: for await (const page of inSlices(readStreamPages(store, streamId, { pageSize: SLICE_PAGE }))) {
    seen = true;
    for (const event of page) {
      lastRevision = event.revision;
      if (cutoff && 'revision' in cutoff && event.revision > cutoff.revision) break reading;
      if (cutoff && 'asOf' in cutoff && eventInstant(event) > cutoff.asOfMs) break reading;
      const next = await fold.evolve(state, event);
      if (!fold.exists(next)) continue;
      first ??= event;
      state = existing = next;
      last = event;
    }
  }
  if (!seen) throw new ProblemException(404, 'NOT_FOUND', `${name} does not exist`);
  if (cutoff && 'revision' in cutoff && cutoff.revision > lastRevision) {
    throw new ProblemException(
      404,
      'NOT_FOUND',
      `${name} has no revision ${cutoff.revision}: its last revision is ${lastRevision}`,
      { lastRevision },
    );
  }
  if (!first || !last || existing === undefined) {
    const at = !cutoff ? 'the head' : 'revision' in cutoff ? `revision ${cutoff.revision}` : cutoff.asOf;
    throw new ProblemException(404, 'NOT_FOUND', `${name} did not exist yet at ${at}`);
  }
  return { state: existing, first, last };
}
