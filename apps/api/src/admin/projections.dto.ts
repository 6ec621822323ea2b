import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

const INTEGER = { type: 'integer' } as const;

export class EventFailureDto {
  @ApiProperty({ ...INTEGER, description: "The event's position: the checkpoint is just before it", example: 57 })
  position!: number;
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ example: 'CommitmentProposed' }) type!: string;
  @ApiProperty({ description: 'What the read model threw' }) error!: string;
  @ApiProperty({ format: 'date-time', description: 'When it first failed on this event' }) since!: string;
}

export class SkipDto {
  @ApiProperty({ ...INTEGER, example: 57 }) position!: number;
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ example: 'CommitmentProposed' }) type!: string;
  @ApiProperty({ example: 'test data, see #123' }) reason!: string;
  @ApiProperty({ example: 'ops (key 0b9e…)' }) by!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class RecordedSkipDto extends SkipDto {
  @ApiProperty({ example: 'commitments' }) projection!: string;
}

export class RebuildStatusDto {
  @ApiProperty(INTEGER) version!: number;
  @ApiProperty(INTEGER) generation!: number;
  @ApiProperty(INTEGER) checkpoint!: number;
  @ApiPropertyOptional({ type: EventFailureDto, description: 'The event the rebuild stopped on, if it did' })
  failure?: EventFailureDto;
}

export class ProjectionStatusDto {
  @ApiProperty({ example: 'commitments' }) name!: string;
  @ApiProperty(INTEGER) version!: number;
  @ApiProperty(INTEGER) generation!: number;
  @ApiProperty({ ...INTEGER, description: 'The last position applied' }) checkpoint!: number;
  @ApiProperty({ enum: ['live', 'rebuilding', 'failed'] }) state!: 'live' | 'rebuilding' | 'failed';
  @ApiProperty({ type: EventFailureDto, nullable: true, description: 'The event the live generation stopped on' })
  failure!: EventFailureDto | null;
  @ApiProperty({ type: RebuildStatusDto, nullable: true, description: 'The generation being built, if any' })
  rebuild!: RebuildStatusDto | null;
  @ApiProperty({ type: [String], description: 'Tables of swapped-out generations still being dropped' })
  retiring!: readonly string[];
  @ApiProperty({ ...INTEGER, description: 'Events after the checkpoint, counted up to 10,000 (a lower bound beyond)' })
  lag!: number;
  @ApiProperty({ type: [SkipDto] }) skips!: SkipDto[];
}

export class ProcessManagerStatusDto {
  @ApiProperty(INTEGER) checkpoint!: number;
  @ApiProperty(INTEGER) lag!: number;
  @ApiPropertyOptional({ enum: ['failed'], description: 'Only while it is stuck retrying an event' }) state?: 'failed';
  @ApiPropertyOptional({ type: EventFailureDto, description: 'The event it is stuck on (it never skips one)' })
  failure?: EventFailureDto;
}

export class ProjectionsDto {
  @ApiProperty({ ...INTEGER, description: 'The position of the last event in the log' }) head!: number;
  @ApiProperty({ type: [ProjectionStatusDto] }) items!: ProjectionStatusDto[];
  @ApiProperty({ type: ProcessManagerStatusDto }) processManager!: ProcessManagerStatusDto;
}

export class RebuildStartedDto {
  @ApiProperty({ example: 'commitments' }) name!: string;
  @ApiProperty({ enum: ['rebuilding'] }) state!: 'rebuilding';
}
