import { agreementEventTypes, commitmentEventTypes } from '@accord/commitments';
import { sessionEventTypes } from '@accord/committee';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { IsNormalizedUuid } from '../http/uuid';
import { STREAM_CATEGORIES, type StreamCategory } from './event-filter';

/** Every event type the deciders emit: a type outside it is a typo, refused rather than an empty feed. */
export const KNOWN_EVENT_TYPES: readonly string[] = [
  ...agreementEventTypes,
  ...commitmentEventTypes,
  ...sessionEventTypes,
].sort();

/** `types=A,B` and `types=A&types=B` alike: a list of names, blanks dropped. */
const commaList = ({ value }: { value: unknown }): unknown => {
  const parts = Array.isArray(value) ? value : [value];
  if (!parts.every((part) => typeof part === 'string')) return value;
  return (parts as string[])
    .flatMap((part) => part.split(','))
    .map((type) => type.trim())
    .filter((type) => type !== '');
};

/** The query of GET /events/stream: where to start and which events (decision 0034). */
export class EventsStreamQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    description:
      'Start after this log position (0: from the beginning). Without it (and without Last-Event-ID), the feed starts at the head: only events committed from now on. Last-Event-ID wins over it.',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  after?: number;

  @ApiPropertyOptional({
    type: [String],
    description: 'Event types (any type when absent), repeated (types=A&types=B) or comma-separated (types=A,B)',
    example: ['DecisionReached', 'CommitmentBecameOverdue'],
  })
  @IsOptional()
  @Transform(commaList)
  @ArrayMaxSize(KNOWN_EVENT_TYPES.length)
  @IsIn(KNOWN_EVENT_TYPES, { each: true, message: 'types must name known event types, comma-separated' })
  types?: string[];

  @ApiPropertyOptional({
    enum: STREAM_CATEGORIES,
    description: "The events of one stream category (the stream id's prefix)",
  })
  @IsOptional()
  @IsIn(STREAM_CATEGORIES)
  category?: StreamCategory;

  @ApiPropertyOptional({
    format: 'uuid',
    description: "One agreement's events: its own, its commitments' and its sessions'",
  })
  @IsOptional()
  @IsNormalizedUuid()
  agreementId?: string;

  @ApiPropertyOptional({
    pattern: '^[A-Z]{2,10}$',
    description: 'A party: the commitments it proposed, and every agreement and session it is party to',
    example: 'MA',
  })
  @IsOptional()
  @Matches(/^[A-Z]{2,10}$/, { message: 'party must be a party code: 2 to 10 capital letters' })
  party?: string;
}
