import { agreementEventTypes } from '@accord/commitments';
import { sessionEventTypes } from '@accord/committee';
import type { EventStore, RecordedEvent } from '@accord/event-store';
import { ApiProperty } from '@nestjs/swagger';
import { CommitmentEventMetadataDto } from '../commitments/commitment-event.dto';
import { badCursor, decodeCursor, encodeCursor } from '../commitments/page-cursor';
import { ProblemException } from '../http/problem';
import type { StreamEventsQueryDto } from './audit.dto';

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
  list: 'session-events' | 'agreement-events',
  id: string,
  streamId: string,
  name: string,
  query: StreamEventsQueryDto,
): Promise<{ items: RecordedEvent[]; nextCursor: string | null }> {
  if (query.cursor !== undefined && query.fromRevision !== undefined) {
    badCursor(
      'cannot be combined with fromRevision: the cursor carries where the next page starts',
      'cursor',
      'Give fromRevision or cursor, not both',
    );
  }
  const fromRevision = query.cursor !== undefined ? revisionOf(query.cursor, list, id) : (query.fromRevision ?? 0);
  const limit = query.limit ?? 100;
  const read = await store.readStream(streamId, { fromRevision, maxCount: limit + 1 });
  if (read.length === 0 && (fromRevision === 0 || (await store.readStream(streamId, { maxCount: 1 })).length === 0)) {
    throw new ProblemException(404, 'NOT_FOUND', `${name} does not exist`);
  }
  const items = read.slice(0, limit);
  return { items, nextCursor: read.length > limit ? encodeCursor(list, id, read[limit].revision) : null };
}

function revisionOf(cursor: string, list: string, id: string): number {
  const [issuedFor, revision] = decodeCursor(cursor, list);
  if (typeof issuedFor !== 'string' || !Number.isSafeInteger(revision) || (revision as number) < 0) {
    badCursor('must be the nextCursor of a previous page of this list');
  }
  if (issuedFor !== id) badCursor(`was issued for ${issuedFor}, not ${id}`);
  return revision as number;
}
