import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { NewEvent, RecordedEvent } from '@accord/event-store';

/** prevHash of a stream's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields a hash covers: all that the writer decides. */
export interface HashedFields {
  readonly streamId: string;
  readonly revision: number;
  readonly id: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/**
 * SHA-256 over the RFC 8785 canonical JSON of the event without `metadata.hash`.
 * `position` and `recordedAt` are the store's, assigned at commit, so they stay outside
 * the hash (decision 0004); the global order is witnessed by the running digest instead.
 */
export function computeEventHash(event: HashedFields): string {
  const { hash: _hash, ...metadata } = event.metadata as Record<string, unknown>;
  const canonical = canonicalize({
    streamId: event.streamId,
    revision: event.revision,
    id: event.id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    metadata,
  });
  if (canonical === undefined) throw new TypeError(`Event ${event.id} cannot be canonicalised`);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/**
 * Links new events into a stream's chain: each gets `prevHash` (the previous event's
 * hash, or 64 zeros) and its own `hash` in its metadata. `nextRevision` is the revision
 * the first event will get: the handler appends with the revision it read as expected.
 */
export function chainEvents(
  streamId: string,
  nextRevision: number,
  prevHash: string,
  events: readonly NewEvent[],
): NewEvent[] {
  let previous = prevHash;
  return events.map((event, i) => {
    const metadata = { ...(event.metadata ?? {}), prevHash: previous };
    const hash = computeEventHash({
      streamId,
      revision: nextRevision + i,
      id: event.id,
      type: event.type,
      schemaVersion: event.schemaVersion ?? 1,
      data: event.data,
      metadata,
    });
    previous = hash;
    return { ...event, schemaVersion: event.schemaVersion ?? 1, metadata: { ...metadata, hash } };
  });
}

/** The hash of the last event of a stream read so far, to chain the next append onto. */
export function lastHashOf(events: readonly RecordedEvent[]): string {
  if (events.length === 0) return GENESIS_HASH;
  const hash = events[events.length - 1].metadata.hash;
  return typeof hash === 'string' ? hash : GENESIS_HASH;
}
