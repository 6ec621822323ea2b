import { hash as sha256 } from 'node:crypto';
import type { NewEvent, RecordedEvent, StoredEvent } from '@accord/event-store';
import { canonicalJson, canonicalJsonWithout, canonicalMember } from '@accord/event-store';

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
  return sha256('sha256', canonicalEvent(event), 'hex');
}

/**
 * The canonical JSON of `{streamId, revision, id, type, schemaVersion, data, metadata}`
 * with `metadata.hash` left out: canonicalize 2.1.0's output (canonical-json.ts), written
 * member by member in sorted key order instead of copying the event and the metadata.
 * Verification hashes every event of the log, so this is its hot path.
 */
export function canonicalEvent(event: HashedFields): string {
  const metadata = event.metadata as Record<string, unknown>;
  // Metadata with its own toJSON (no store hands one out) is what canonicalize calls it with:
  // the plain way. Every other value, whatever its type, the member-by-member way writes alike
  // (null and undefined throw a TypeError either way).
  if (Object.hasOwn(metadata, 'toJSON')) {
    const { hash: _hash, ...rest } = metadata;
    const canonical = canonicalJson({
      streamId: event.streamId,
      revision: event.revision,
      id: event.id,
      type: event.type,
      schemaVersion: event.schemaVersion,
      data: event.data,
      metadata: rest,
    });
    // An object literal always has a canonical text.
    return canonical!;
  }
  const members = [
    canonicalMember('data', event.data),
    canonicalMember('id', event.id),
    `"metadata":${canonicalJsonWithout(metadata, 'hash')}`,
    canonicalMember('revision', event.revision),
    canonicalMember('schemaVersion', event.schemaVersion),
    canonicalMember('streamId', event.streamId),
    canonicalMember('type', event.type),
  ];
  let out = '';
  for (const member of members) {
    if (member === '') continue;
    if (out !== '') out += ',';
    out += member;
  }
  return `{${out}}`;
}

/**
 * computeEventHash from the text the store keeps, for stores that write canonical JSON
 * (`toStoredJson`): the canonical event is put together from the stored data and metadata
 * (less its `hash` member) without serialising anything again. It equals computeEventHash
 * exactly when the stored text is canonical. Callers accept it only when it matches the
 * stored hash, and otherwise compute the hash the slow way: stored text in another form
 * (an older log, another writer) gives another hash here, never a false match.
 *
 * Why a match is enough: the stored data and metadata parsed as JSON, so each is one whole
 * JSON value, and a match means the bytes put together here are the bytes the writer hashed.
 * Parsing those bytes gives back the stored data and metadata.
 */
export function storedEventHash(event: StoredEvent): string | undefined {
  const text = storedCanonicalEvent(event);
  return text === undefined ? undefined : sha256('sha256', text, 'hex');
}

/**
 * The text storedEventHash hashes: canonicalEvent put together from the stored text, or
 * undefined when the metadata's stored text has no `hash` member to leave out. It is the
 * canonical event exactly when the stored text is canonical; a caller that must be right
 * for any stored form checks its hash against the stored one (as storedEventHash's callers
 * do) and otherwise uses canonicalEvent.
 */
export function storedCanonicalEvent(event: StoredEvent): string | undefined {
  const hash = (event.metadata as Record<string, unknown>).hash;
  if (typeof hash !== 'string') return undefined;
  const text = event.metadataJson;
  const member = `"hash":${JSON.stringify(hash)}`;
  const at = text.indexOf(member);
  if (at === -1) return undefined;
  const end = at + member.length;
  const metadata =
    text[at - 1] === ','
      ? text.slice(0, at - 1) + text.slice(end)
      : text[end] === ','
        ? text.slice(0, at) + text.slice(end + 1)
        : text.slice(0, at) + text.slice(end);
  return (
    `{"data":${event.dataJson},${canonicalMember('id', event.id)},"metadata":${metadata},` +
    `${canonicalMember('revision', event.revision)},${canonicalMember('schemaVersion', event.schemaVersion)},` +
    `${canonicalMember('streamId', event.streamId)},${canonicalMember('type', event.type)}}`
  );
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
