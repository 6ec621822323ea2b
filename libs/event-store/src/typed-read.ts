import type { EventStore, ReadStreamOptions, RecordedEvent } from './event-store.port';

/** What a domain event looks like to the store: a type and its data. */
export interface EventShape {
  readonly type: string;
  readonly data: unknown;
}

/** A recorded event whose type and data are those of one of the domain events E. */
export type RecordedAs<E extends EventShape> = Omit<RecordedEvent, 'type' | 'data'> & E;

/**
 * The one place a recorded event is taken for a domain event. It is not a check: it holds
 * because a stream's name says which aggregate writes it (stream-ids.ts of the domain libs)
 * and only that aggregate's handler appends to it, with its decider's events.
 */
export function recordedAs<E extends EventShape>(event: RecordedEvent): RecordedAs<E> {
  return event as unknown as RecordedAs<E>;
}

/** A stream's events read as the domain events of the aggregate that writes it (see recordedAs). */
export async function readStreamAs<E extends EventShape>(
  store: EventStore,
  streamId: string,
  options?: ReadStreamOptions,
): Promise<RecordedAs<E>[]> {
  return (await store.readStream(streamId, options)) as unknown as RecordedAs<E>[];
}
