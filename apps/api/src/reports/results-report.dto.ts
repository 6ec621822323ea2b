import { commitmentStatuses, evaluationOutcomes, priorities } from '@accord/commitments';
import { agendaItemKinds } from '@accord/committee';
import { grades } from '@accord/documents';
import { ApiProperty, getSchemaPath, type ApiPropertyOptions } from '@nestjs/swagger';

/** The JSON of GET /agreements/{id}/report: libs/documents/src/report/results-report.ts, documented. */

const counts = (keys: readonly string[], description: string): ApiPropertyOptions => ({
  type: 'object',
  description,
  properties: Object.fromEntries(keys.map((k) => [k, { type: 'integer' as const }])),
  required: [...keys],
});
const STATUS_COUNTS = counts(commitmentStatuses, 'Commitments per status, every status present (0 when none)');
const GRADE_COUNTS = counts(
  grades,
  'Graded commitments per grade (no_evidence, not_started, limited, substantial, complete)',
);
const GRADE = { enum: [...grades, null], nullable: true } as const;
const PERCENT = {
  type: 'number',
  nullable: true,
  description: '0 to 100, 2 decimals; null when none is graded',
} as const;

export class GroupFiguresDto {
  @ApiProperty({ type: 'integer', description: 'Every commitment of the group, whatever its status' }) total!: number;
  @ApiProperty(STATUS_COUNTS) byStatus!: Record<string, number>;
  @ApiProperty({ type: 'integer', description: 'Commitments graded: approved or later, not withdrawn or rejected' })
  graded!: number;
  @ApiProperty({ ...PERCENT, description: `Mean progress of the graded commitments; ${PERCENT.description}` })
  averageProgress!: number | null;
  @ApiProperty({
    ...PERCENT,
    description: `Mean progress weighted by priority (low 1, normal 2, high 3); ${PERCENT.description}`,
  })
  weightedProgress!: number | null;
  @ApiProperty(GRADE_COUNTS) grades!: Record<string, number>;
  @ApiProperty({
    ...GRADE,
    description: "The group's grade: its weighted progress on the same thresholds; null when none is graded",
  })
  grade!: string | null;
  @ApiProperty(counts([...evaluationOutcomes, 'not_evaluated'], 'Graded commitments per evaluation outcome'))
  evaluation!: Record<string, number>;
  @ApiProperty({ type: 'integer', description: 'Overdue and neither extended nor completed since' }) overdue!: number;
  @ApiProperty({ type: 'integer', description: 'Due date extended within the period' }) extended!: number;
}

export class DomainFiguresDto extends GroupFiguresDto {
  @ApiProperty({ example: 'cybercrime' }) domain!: string;
}

export class PartyFiguresDto extends GroupFiguresDto {
  @ApiProperty({ example: 'MA', description: 'The proposing party' }) party!: string;
}

export class ReportCommitmentDto {
  @ApiProperty({ format: 'uuid' }) commitmentId!: string;
  @ApiProperty({ format: 'uuid' }) agreementId!: string;
  @ApiProperty() title!: string;
  @ApiProperty() domain!: string;
  @ApiProperty({ example: 'MA' }) proposingParty!: string;
  @ApiProperty({ type: [String] }) leadAgencies!: string[];
  @ApiProperty({ enum: priorities }) priority!: string;
  @ApiProperty({ enum: commitmentStatuses }) status!: string;
  @ApiProperty({ type: 'number', description: 'The last percent reported (0 when none), 100 once completed' })
  progressPercent!: number;
  @ApiProperty({ type: 'number', description: 'The last percent reported, 0 when none' }) reportedPercent!: number;
  @ApiProperty({ ...GRADE, description: 'null when not graded' }) grade!: string | null;
  @ApiProperty({ enum: [...evaluationOutcomes, null], nullable: true }) evaluationOutcome!: string | null;
  @ApiProperty({ type: 'string', format: 'date', nullable: true }) dueDate!: string | null;
  @ApiProperty() overdue!: boolean;
  @ApiProperty({ type: 'string', format: 'date', nullable: true, description: 'The due date it is overdue for' })
  overdueFor!: string | null;
  @ApiProperty({ type: 'integer', description: 'Extensions up to the period end' }) extensions!: number;
  @ApiProperty({ type: 'integer', description: 'Extensions within the period' }) extensionsInPeriod!: number;
  @ApiProperty({ type: 'integer' }) progressReports!: number;
  @ApiProperty({ type: 'integer', description: 'Evidence items of its progress reports and completion' })
  evidenceCount!: number;
  @ApiProperty({ format: 'date-time' }) proposedAt!: string;
  @ApiProperty({ format: 'date-time' }) lastEventAt!: string;
  @ApiProperty({ type: 'integer', description: 'The last revision of its stream folded' }) revision!: number;
}

export class DecisionCountDto {
  @ApiProperty({ enum: agendaItemKinds }) kind!: string;
  @ApiProperty({ example: 'approve', description: 'The position every party took' }) outcome!: string;
  @ApiProperty({ type: 'integer' }) count!: number;
}

export class ReportSessionDto {
  @ApiProperty({ format: 'uuid' }) sessionId!: string;
  @ApiProperty({ format: 'date-time' }) scheduledFor!: string;
  @ApiProperty() venue!: string;
  @ApiProperty({ format: 'date-time' }) closedAt!: string;
  @ApiProperty({ type: [String] }) attendance!: string[];
  @ApiProperty({ type: 'integer', description: 'Items decided' }) decided!: number;
  @ApiProperty({ type: [DecisionCountDto], description: 'Decisions by kind and outcome' })
  decisions!: DecisionCountDto[];
  @ApiProperty({ type: 'integer', description: 'Items deferred at the close' }) deferred!: number;
}

export class TrendPointDto {
  @ApiProperty({ format: 'uuid' }) sessionId!: string;
  @ApiProperty({ format: 'date-time' }) closedAt!: string;
  @ApiProperty() venue!: string;
  @ApiProperty({ type: 'integer', description: "The log position of the session's closing: the figures are as of it" })
  position!: number;
  @ApiProperty(STATUS_COUNTS) byStatus!: Record<string, number>;
  @ApiProperty({ type: 'integer' }) graded!: number;
  @ApiProperty(PERCENT) averageProgress!: number | null;
  @ApiProperty(PERCENT) weightedProgress!: number | null;
  @ApiProperty(GRADE_COUNTS) grades!: Record<string, number>;
}

export class ReportPeriodDto {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
}

export class GeneratedFromDto {
  @ApiProperty({ type: 'integer', description: 'The log position the figures are as of (0: no event)' })
  position!: number;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) lastEventAt!: string | null;
  @ApiProperty({ type: 'integer', description: 'Events folded' }) events!: number;
}

export class ReportMethodDto {
  @ApiProperty(counts(priorities, 'The weight of each priority in the weighted progress')) weights!: Record<
    string,
    number
  >;
  @ApiProperty({
    type: 'object',
    properties: { limited: { type: 'string' }, substantial: { type: 'string' }, complete: { type: 'string' } },
    required: ['limited', 'substantial', 'complete'],
  })
  gradeThresholds!: Record<string, string>;
  @ApiProperty({ type: [String], description: 'How every figure is computed (docs/decisions/0031)' }) notes!: string[];
}

export class ReportPartyDto {
  @ApiProperty({ example: 'MA' }) code!: string;
  @ApiProperty() name!: string;
}

export class OverdueItemDto {
  @ApiProperty({ format: 'uuid' }) commitmentId!: string;
  @ApiProperty() title!: string;
  @ApiProperty() domain!: string;
  @ApiProperty() proposingParty!: string;
  @ApiProperty({ type: 'string', format: 'date', nullable: true }) dueDate!: string | null;
  @ApiProperty({ format: 'date' }) overdueFor!: string;
}

export class ExtendedItemDto {
  @ApiProperty({ format: 'uuid' }) commitmentId!: string;
  @ApiProperty() title!: string;
  @ApiProperty() domain!: string;
  @ApiProperty() proposingParty!: string;
  @ApiProperty({ type: 'string', format: 'date', nullable: true }) previousDueDate!: string | null;
  @ApiProperty({ format: 'date' }) dueDate!: string;
  @ApiProperty({ format: 'date-time' }) extendedAt!: string;
}

export class ResultsReportDto {
  @ApiProperty({ format: 'uuid' }) agreementId!: string;
  @ApiProperty() agreementTitle!: string;
  @ApiProperty({ type: [ReportPartyDto] }) parties!: ReportPartyDto[];
  @ApiProperty({ type: [String], description: "The agreement's domains as of the period end" }) domains!: string[];
  @ApiProperty({ type: ReportPeriodDto, description: 'The period, as instants' }) period!: ReportPeriodDto;
  @ApiProperty({ type: GeneratedFromDto }) generatedFrom!: GeneratedFromDto;
  @ApiProperty({ type: ReportMethodDto }) method!: ReportMethodDto;
  @ApiProperty({ type: GroupFiguresDto }) overall!: GroupFiguresDto;
  @ApiProperty({ type: [DomainFiguresDto] }) byDomain!: DomainFiguresDto[];
  @ApiProperty({ type: [PartyFiguresDto] }) byParty!: PartyFiguresDto[];
  @ApiProperty({ type: [OverdueItemDto] }) overdueItems!: OverdueItemDto[];
  @ApiProperty({ type: [ExtendedItemDto], description: 'Due-date extensions within the period' })
  extendedItems!: ExtendedItemDto[];
  @ApiProperty({ type: [ReportSessionDto], description: 'Sessions closed within the period, in closing order' })
  sessions!: ReportSessionDto[];
  @ApiProperty({ type: [TrendPointDto], description: 'The figures as of each of those sessions closing' })
  trends!: TrendPointDto[];
  @ApiProperty({ type: [ReportCommitmentDto], description: 'Every commitment, as the CSV has them' })
  commitments!: ReportCommitmentDto[];
}

export const resultsReportSchemaRef = () => getSchemaPath(ResultsReportDto);
