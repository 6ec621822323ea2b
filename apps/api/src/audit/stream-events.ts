import { computeEventHash, GENESIS_HASH } from '@accord/audit';
import { agreementEventTypes } from '@accord/commitments';
import { sessionEventTypes } from '@accord/committee';
import type { EventStore, RecordedEvent } from '@accord/event-store';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CommitmentEventDto, CommitmentEventMetadataDto } from '../commitments/commitment-event.dto';
import { badCursor, decodeCursor, encodeCursor } from '../commitments/page-cursor';
import { ProblemException } from '../http/problem';
import type { StreamEventsQueryDto } from './audit.dto';
import type { IntegrityMonitor, IntegrityProblem } from './integrity-monitor';

/** What recomputing a served event's hash showed. */
export type EventIntegrity = 'ok' | IntegrityProblem;

/** A served event, checked: see auditedPage. */
export type AuditedEvent = RecordedEvent & { integrity: EventIntegrity; recomputedHash?: string };

const INTEGRITY = {
  enum: ['ok', 'hash-mismatch', 'chain-broken'],
  description:
    "The event's hash recomputed as it is served: `hash-mismatch` when metadata.hash is not the hash of its " +
    'content (the content or the hash was changed), `chain-broken` when metadata.prevHash is not the hash of the ' +
    "stream's previous event (or that event is missing). A changed event is marked, not left out; `accord audit " +
    'verify` checks the whole log.',
} as const;
const RECOMPUTED = {
  pattern: '^[0-9a-f]{64}$',
  description: "The hash recomputed from the event's content, when integrity is not `ok`",
} as const;

/** A commitment's event as the audit reads serve it: checked. */
export class AuditedCommitmentEventDto extends CommitmentEventDto {
  @ApiProperty(INTEGRITY) integrity!: EventIntegrity;
  @ApiPropertyOptional(RECOMPUTED) recomputedHash?: string;
}

export class AuditedCommitmentEventPageDto {
  @ApiProperty({ type: [AuditedCommitmentEventDto], description: 'In revision order' })
  items!: AuditedCommitmentEventDto[];
  @ApiProperty({ type: 'string', nullable: true, description: 'Pass it as cursor for the next page; null on the last' })
  nextCursor!: string | null;
}

/**
 * An event as the store holds it, with the metadata and hash chain every command writes
 * (shared with the commitments' events); the session and agreement classes say which types.
 */
abstract class StoredEventDto {
  @ApiProperty({ type: 'integer', description: '0-based, gap-free within the stream', example: 0 }) revision!: number;
  @ApiProperty({ type: 'integer', description: 'Global position in the log', example: 42 }) position!: number;
  @ApiProperty({ format: 'uuid', description: 'A UUIDv7, ordered by time' }) id!: string;
  @ApiProperty({ type: 'integer', example: 1 }) schemaVersion!: number;
  @ApiProperty({ type: 'object', additionalProperties: true, description: "The event's data, as its type defines it" })
  data!: Record<string, unknown>;
  @ApiProperty({ type: CommitmentEventMetadataDto }) metadata!: CommitmentEventMetadataDto;
  @ApiProperty({ format: 'date-time', description: 'When the store committed it' }) recordedAt!: string;
  @ApiProperty(INTEGRITY) integrity!: EventIntegrity;
  @ApiPropertyOptional(RECOMPUTED) recomputedHash?: string;
}

export class SessionEventDto extends StoredEventDto {
  @ApiProperty({ example: 'session-0b6c3a52-3f6e-4d7b-9b7e-0c9f1f0e0a11' }) streamId!: string;
  @ApiProperty({ enum: sessionEventTypes, description: 'libs/committee/src/session.events.ts' }) type!: string;
}

export class AgreementEventDto extends StoredEventDto {
  @ApiProperty({ example: 'agreement-0b6c3a52-3f6e-4d7b-9b7e-0c9f1f0e0a11' }) streamId!: string;
  @ApiProperty({ enum: agreementEventTypes, description: 'libs/commitments/src/agreement.events.ts' }) type!: string;
}

const NEXT_CURSOR = {
  type: 'string',
  nullable: true,
  description: 'Pass it as cursor for the next page; null on the last',
} as const;

export class SessionEventPageDto {
  @ApiProperty({ type: [SessionEventDto], description: 'In revision order' }) items!: SessionEventDto[];
  @ApiProperty(NEXT_CURSOR) nextCursor!: string | null;
}

export class AgreementEventPageDto {
  @ApiProperty({ type: [AgreementEventDto], description: 'In revision order' }) items!: AgreementEventDto[];
  @ApiProperty(NEXT_CURSOR) nextCursor!: string | null;
}

/**
 * A stream's events as stored, a page at a time, as GET /commitments/{id}/events pages a
 * commitment's: `{items, nextCursor}`, the first page from `fromRevision`, the next by a cursor
 * bound to the list (`session-events`, `agreement-events`) and the entity. A fromRevision past
 * the last event answers an empty page; 404 (`name` says what) when the stream has no event.
 */
export async function streamEvents(
  store: EventStore,
  integrity: IntegrityMonitor,
  list: 'session-events' | 'agreement-events',
  id: string,
  streamId: string,
  name: string,
  query: StreamEventsQueryDto,
): Promise<{ items: AuditedEvent[]; nextCursor: string | null }> {
  if (query.cursor !== undefined && query.fromRevision !== undefined) {
    badCursor(
      'cannot be combined with fromRevision: the cursor carries where the next page starts',
      'cursor',
      'Give fromRevision or cursor, not both',
    );
  }
  const fromRevision = query.cursor !== undefined ? revisionOf(query.cursor, list, id) : (query.fromRevision ?? 0);
  const page = await auditedPage(store, integrity, streamId, fromRevision, query.limit ?? 100);
  if (!page) throw new ProblemException(404, 'NOT_FOUND', `${name} does not exist`);
  return { items: page.items, nextCursor: page.next === undefined ? null : encodeCursor(list, id, page.next) };
}

/**
 * `limit` events of a stream from `fromRevision`, each checked as it is served: its hash
 * recomputed from its content against metadata.hash, and its prevHash against the hash of
 * the stream's previous event (read too, for the first of the page). As `accord audit
 * verify` does, a prevHash may name the previous event's hash as recomputed or as stored:
 * one changed event is one marked event, not two. Every event not `ok` is recorded in the
 * IntegrityMonitor. Undefined when the stream has no event; `next` is the revision the next
 * page starts at, if there is one.
 */
export async function auditedPage(
  store: EventStore,
  integrity: IntegrityMonitor,
  streamId: string,
  fromRevision: number,
  limit: number,
): Promise<{ items: AuditedEvent[]; next?: number } | undefined> {
  const read = await store.readStream(streamId, { fromRevision: Math.max(0, fromRevision - 1), maxCount: limit + 2 });
  let previous = read.length > 0 && read[0].revision < fromRevision ? read.shift() : undefined;
  if (
    read.length === 0 &&
    !previous &&
    (fromRevision === 0 || (await store.readStream(streamId, { maxCount: 1 })).length === 0)
  ) {
    return undefined;
  }
  let previousHash = previous ? computeEventHash(previous) : GENESIS_HASH;
  const items: AuditedEvent[] = [];
  for (const event of read.slice(0, limit)) {
    const recomputed = computeEventHash(event);
    const stored = event.metadata.hash;
    const prevHash = event.metadata.prevHash;
    const linked =
      event.revision === 0
        ? prevHash === GENESIS_HASH
        : previous !== undefined &&
          previous.revision === event.revision - 1 &&
          (prevHash === previousHash || prevHash === previous.metadata.hash);
    const problem: IntegrityProblem | undefined =
      stored !== recomputed ? 'hash-mismatch' : linked ? undefined : 'chain-broken';
    if (problem) {
      integrity.record({
        problem,
        streamId: event.streamId,
        revision: event.revision,
        position: event.position,
        storedHash: typeof stored === 'string' ? stored : null,
        recomputedHash: recomputed,
        foundBy: 'events',
      });
    }
    items.push(problem ? { ...event, integrity: problem, recomputedHash: recomputed } : { ...event, integrity: 'ok' });
    previous = event;
    previousHash = recomputed;
  }
  return { items, ...(read.length > limit ? { next: read[limit].revision } : {}) };
}

function revisionOf(cursor: string, list: string, id: string): number {
  const [issuedFor, revision] = decodeCursor(cursor, list);
  if (typeof issuedFor !== 'string' || !Number.isSafeInteger(revision) || (revision as number) < 0) {
    badCursor('must be the nextCursor of a previous page of this list');
  }
  if (issuedFor !== id) badCursor(`was issued for ${issuedFor}, not ${id}`);
  return revision as number;
}
