import { commitmentEventTypes, type ActorRole } from '@accord/commitments';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/**
 * The answer of GET /commitments/{id}/events: the events as the store holds them, with the
 * metadata every command writes (pipeline/command-runner.ts) and the hash chain
 * (libs/audit/src/event-hash.ts, decision 0004). The hashes are always there; the rest of the
 * metadata is what this API's commands write, and an event brought in by `accord import` or
 * `accord store copy` keeps what it had.
 */

const ACTOR_ROLES: readonly ActorRole[] = ['integration', 'secretariat', 'delegate', 'auditor', 'admin', 'system'];

export class CommitmentEventActorDto {
  @ApiProperty({ description: "The key's id, or the worker's name (committee-process-manager, deadline-watcher)" })
  id!: string;
  @ApiProperty({ enum: ACTOR_ROLES }) role!: string;
  @ApiPropertyOptional({ example: 'MA', description: 'The party it acted for; absent when none' }) party?: string;
}

export class CommitmentEventMetadataDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'The command that wrote the event' }) commandId?: string;
  @ApiPropertyOptional({ description: 'X-Correlation-Id of the request, or the one generated for it' })
  correlationId?: string;
  @ApiPropertyOptional({
    description: 'What caused the command: the command itself, or the session event it carries',
  })
  causationId?: string;
  @ApiPropertyOptional({ type: CommitmentEventActorDto }) actor?: CommitmentEventActorDto;
  @ApiPropertyOptional({ format: 'date-time', description: 'When the command was received; covered by the hash' })
  occurredAt?: string;
  @ApiProperty({
    pattern: '^[0-9a-f]{64}$',
    description: "The hash of the stream's previous event; 64 zeros for the first",
  })
  prevHash!: string;
  @ApiProperty({
    pattern: '^[0-9a-f]{64}$',
    description: 'SHA-256 of the canonical JSON of the event with its metadata, this field left out',
  })
  hash!: string;
}

export class CommitmentEventDto {
  @ApiProperty({ example: 'commitment-0b6c3a52-3f6e-4d7b-9b7e-0c9f1f0e0a11' }) streamId!: string;
  @ApiProperty({ type: 'integer', description: '0-based, gap-free within the stream', example: 0 }) revision!: number;
  @ApiProperty({ type: 'integer', description: 'Global position in the log', example: 42 }) position!: number;
  @ApiProperty({ format: 'uuid', description: 'A UUIDv7, ordered by time' }) id!: string;
  @ApiProperty({ enum: commitmentEventTypes }) type!: string;
  @ApiProperty({ type: 'integer', example: 1 }) schemaVersion!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "The event's data, as its type defines it (libs/commitments/src/commitment.events.ts)",
  })
  data!: Record<string, unknown>;
  @ApiProperty({ type: CommitmentEventMetadataDto }) metadata!: CommitmentEventMetadataDto;
  @ApiProperty({ format: 'date-time', description: 'When the store committed it' }) recordedAt!: string;
}

export class CommitmentEventPageDto {
  @ApiProperty({ type: [CommitmentEventDto], description: 'In revision order' }) items!: CommitmentEventDto[];
  @ApiProperty({ type: 'string', nullable: true, description: 'Pass it as cursor for the next page; null on the last' })
  nextCursor!: string | null;
}
