import { commitmentStatuses, evaluationOutcomes, priorities } from '@accord/commitments';
import { reviewOutcomes } from '@accord/read-models';
import { ApiProperty } from '@nestjs/swagger';

/**
 * The answers of the commitment reads, as the OpenAPI document describes them: every field
 * the API answers, with its exact type (libs/read-models/src/commitments.projection.ts makes them).
 */

export class CommitmentEvidenceDto {
  @ApiProperty({ example: 'Staffing order' }) title!: string;
  @ApiProperty({ example: 'https://example.org/order.pdf', description: 'As the party sent it (an absolute URL)' })
  uri!: string;
  @ApiProperty({ enum: ['progress', 'completion'], description: 'What it was reported with' })
  reportedWith!: 'progress' | 'completion';
  @ApiProperty({
    type: 'number',
    nullable: true,
    example: 60,
    description: 'The percent of the progress report it came with; null with the completion',
  })
  percent!: number | null;
  @ApiProperty({ type: 'integer', description: 'The revision of the event that reported it', example: 8 })
  revision!: number;
  @ApiProperty({ format: 'date-time' }) reportedAt!: string;
}

export class CommitmentProgressReportDto {
  @ApiProperty({ type: 'number', minimum: 0, maximum: 100, example: 60 }) percent!: number;
  @ApiProperty({ example: 'Unit staffed' }) narrative!: string;
  @ApiProperty({ type: 'integer', example: 8 }) revision!: number;
  @ApiProperty({ format: 'date-time' }) reportedAt!: string;
}

export class CommitmentCompletionDto {
  @ApiProperty({ example: 'The unit is operational', description: "The party's summary; its evidence is in evidence" })
  summary!: string;
  @ApiProperty({ type: 'integer', example: 9 }) revision!: number;
  @ApiProperty({ format: 'date-time' }) completedAt!: string;
}

export class CommitmentEvaluationDto {
  @ApiProperty({ enum: evaluationOutcomes }) outcome!: string;
  @ApiProperty({
    type: 'string',
    nullable: true,
    description: "The delegations' notes, one line per party (MA: …)",
    example: 'MA: Ahead of plan',
  })
  notes!: string | null;
  @ApiProperty({
    type: 'string',
    format: 'uuid',
    nullable: true,
    description: 'The session of the mixed committee that evaluated it',
  })
  sessionId!: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'The decision in that session (sessionId:itemId)' })
  decisionId!: string | null;
  @ApiProperty({ type: 'integer', example: 10 }) revision!: number;
  @ApiProperty({ format: 'date-time' }) evaluatedAt!: string;
}

export class CommitmentReviewDto {
  @ApiProperty({ enum: reviewOutcomes }) decision!: string;
  @ApiProperty({
    type: 'string',
    nullable: true,
    description: "The approval's note, the rejection's reason or the changes requested",
  })
  note!: string | null;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, description: 'The session that decided' })
  sessionId!: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'The decision in that session (sessionId:itemId)' })
  decisionId!: string | null;
  @ApiProperty({ type: 'integer', example: 6 }) revision!: number;
  @ApiProperty({ format: 'date-time' }) decidedAt!: string;
}

export class CommitmentViewDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) agreementId!: string;
  @ApiProperty({ example: 'Joint cybercrime investigation unit' }) title!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ example: 'cybercrime' }) domain!: string;
  @ApiProperty({ example: 'MA', description: 'The proposing party: the only one that acts on it' })
  proposingParty!: string;
  @ApiProperty({ type: [String], example: ['DGSN'] }) leadAgencies!: string[];
  @ApiProperty({ enum: commitmentStatuses }) status!: string;
  @ApiProperty({ description: 'Its due date passed before completion, and no extension since' }) overdue!: boolean;
  @ApiProperty({ type: 'string', format: 'date', nullable: true, example: '2027-06-30' }) dueDate!: string | null;
  @ApiProperty({ enum: priorities }) priority!: string;
  @ApiProperty({
    type: 'number',
    minimum: 0,
    maximum: 100,
    description: 'The latest percent reported; 0 before any report',
  })
  progress!: number;
  @ApiProperty({
    type: [CommitmentEvidenceDto],
    description: 'Every piece of evidence reported, with progress reports and the completion, in order',
  })
  evidence!: CommitmentEvidenceDto[];
  @ApiProperty({ type: CommitmentProgressReportDto, nullable: true, description: 'null before any report' })
  lastProgressReport!: CommitmentProgressReportDto | null;
  @ApiProperty({
    type: CommitmentCompletionDto,
    nullable: true,
    description: 'null until completed, and again once reopened',
  })
  completion!: CommitmentCompletionDto | null;
  @ApiProperty({
    type: CommitmentEvaluationDto,
    nullable: true,
    description: "The mixed committee's evaluation; null until evaluated, and again once reopened",
  })
  evaluation!: CommitmentEvaluationDto | null;
  @ApiProperty({
    type: CommitmentReviewDto,
    nullable: true,
    description: "The mixed committee's latest decision on the proposal; null before any",
  })
  review!: CommitmentReviewDto | null;
  @ApiProperty({ type: 'integer', description: 'The revision of its last event (the ETag)', example: 3 })
  revision!: number;
  @ApiProperty({ type: 'integer', description: 'The global position of its last event', example: 1234 })
  position!: number;
  @ApiProperty({ format: 'date-time', description: 'When it was proposed' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', description: 'When its last event occurred' }) updatedAt!: string;
}

export class CommitmentPageDto {
  @ApiProperty({ type: [CommitmentViewDto] }) items!: CommitmentViewDto[];
  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'Pass it as cursor, with the same filters and sort, for the next page; null on the last page',
  })
  nextCursor!: string | null;
}

export class CommitmentStateViewDto extends CommitmentViewDto {
  @ApiProperty({
    type: 'integer',
    description: 'The last revision folded: the commitment as it stood right after it',
    example: 3,
  })
  asOfRevision!: number;
}
