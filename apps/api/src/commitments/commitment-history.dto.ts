import { commitmentEventTypes, commitmentStatuses, evaluationOutcomes, priorities } from '@accord/commitments';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/**
 * The answer of GET /commitments/{id}/history (libs/read-models/src/commitment-history.projection.ts
 * makes its entries). `changes` holds only the fields the event changed; `from` is null on the
 * proposal, which every field starts from.
 */

export class CommitmentHistoryActorDto {
  @ApiProperty({
    type: 'string',
    nullable: true,
    description: "The key's id, or the worker's name (committee-process-manager, deadline-watcher)",
  })
  id!: string | null;
  @ApiProperty({ type: 'string', nullable: true, example: 'integration', description: 'A role, or system' })
  role!: string | null;
  @ApiProperty({ type: 'string', nullable: true, example: 'MA', description: 'The party it acted for' })
  party!: string | null;
}

export class CommitmentStatusChangeDto {
  @ApiProperty({ enum: [...commitmentStatuses, null], nullable: true }) from!: string | null;
  @ApiProperty({ enum: commitmentStatuses }) to!: string;
}

export class CommitmentTextChangeDto {
  @ApiProperty({ type: 'string', nullable: true }) from!: string | null;
  @ApiProperty() to!: string;
}

export class CommitmentPriorityChangeDto {
  @ApiProperty({ enum: [...priorities, null], nullable: true }) from!: string | null;
  @ApiProperty({ enum: priorities }) to!: string;
}

export class CommitmentDueDateChangeDto {
  @ApiProperty({ type: 'string', format: 'date', nullable: true }) from!: string | null;
  @ApiProperty({ type: 'string', format: 'date', nullable: true }) to!: string | null;
}

export class CommitmentListChangeDto {
  @ApiProperty({ type: [String], nullable: true }) from!: string[] | null;
  @ApiProperty({ type: [String] }) to!: string[];
}

export class CommitmentProgressChangeDto {
  @ApiProperty({ type: 'number', nullable: true }) from!: number | null;
  @ApiProperty({ type: 'number' }) to!: number;
}

export class CommitmentOutcomeChangeDto {
  @ApiProperty({ enum: [...evaluationOutcomes, null], nullable: true }) from!: string | null;
  @ApiProperty({ enum: [...evaluationOutcomes, null], nullable: true, description: 'null: reopened' })
  to!: string | null;
}

export class CommitmentOverdueChangeDto {
  @ApiProperty() from!: boolean;
  @ApiProperty() to!: boolean;
}

/** The fields an event changed, each with its value before and after. */
export class CommitmentHistoryChangesDto {
  @ApiPropertyOptional({ type: CommitmentStatusChangeDto }) status?: CommitmentStatusChangeDto;
  @ApiPropertyOptional({ type: CommitmentTextChangeDto }) title?: CommitmentTextChangeDto;
  @ApiPropertyOptional({ type: CommitmentTextChangeDto }) description?: CommitmentTextChangeDto;
  @ApiPropertyOptional({ type: CommitmentTextChangeDto }) domain?: CommitmentTextChangeDto;
  @ApiPropertyOptional({ type: CommitmentListChangeDto }) leadAgencies?: CommitmentListChangeDto;
  @ApiPropertyOptional({ type: CommitmentDueDateChangeDto }) dueDate?: CommitmentDueDateChangeDto;
  @ApiPropertyOptional({ type: CommitmentPriorityChangeDto }) priority?: CommitmentPriorityChangeDto;
  @ApiPropertyOptional({ type: CommitmentProgressChangeDto }) progress?: CommitmentProgressChangeDto;
  @ApiPropertyOptional({ type: CommitmentOutcomeChangeDto, description: 'The evaluation outcome' })
  outcome?: CommitmentOutcomeChangeDto;
  @ApiPropertyOptional({ type: CommitmentOverdueChangeDto }) overdue?: CommitmentOverdueChangeDto;
}

export class CommitmentHistoryEntryDto {
  @ApiProperty({ type: 'integer', example: 0 }) revision!: number;
  @ApiProperty({ type: 'integer', description: 'The global position of the event', example: 42 }) position!: number;
  @ApiProperty({ enum: commitmentEventTypes, example: 'CommitmentProposed' }) type!: string;
  @ApiProperty({
    type: CommitmentHistoryActorDto,
    nullable: true,
    description: 'Who sent the command; null when unrecorded',
  })
  actor!: CommitmentHistoryActorDto | null;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ example: 'MA proposed "Joint cybercrime unit" in cybercrime.' }) summary!: string;
  @ApiProperty({ type: CommitmentHistoryChangesDto }) changes!: CommitmentHistoryChangesDto;
}

export class CommitmentHistoryPageDto {
  @ApiProperty({ type: [CommitmentHistoryEntryDto], description: 'In revision order' })
  items!: CommitmentHistoryEntryDto[];
  @ApiProperty({ type: 'string', nullable: true, description: 'Pass it as cursor for the next page; null on the last' })
  nextCursor!: string | null;
}
