import { agendaItemKinds, type AgendaItemKind } from '@accord/committee';
import { commitmentStatuses, type CommitmentStatus } from '@accord/commitments';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';

export class PartyViewDto {
  @ApiProperty({ example: 'MA' }) code!: string;
  @ApiProperty({ example: 'Kingdom of Morocco' }) name!: string;
  @ApiProperty({ type: [String], example: ['DGSN', 'DGST'] }) agencies!: string[];
}

export class AgreementViewDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'Security cooperation agreement between Morocco and Qatar' }) title!: string;
  @ApiProperty({ format: 'date', example: '2014-03-12' }) signedAt!: string;
  @ApiProperty({ example: 'Rabat' }) signedIn!: string;
  @ApiProperty({ type: [PartyViewDto], description: 'In the order registered' }) parties!: PartyViewDto[];
  @ApiProperty({ type: [String], example: ['counter-terrorism', 'cybercrime'] }) domains!: string[];
  @ApiProperty({ type: 'integer', description: "The agreement stream's revision (also the ETag)" }) revision!: number;
  @ApiProperty({ type: 'integer', description: 'Global position of its last event' }) position!: number;
}

export class AgreementPageDto {
  @ApiProperty({ type: [AgreementViewDto] }) items!: AgreementViewDto[];
  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as ?cursor= for the next page; null on the last' })
  nextCursor!: string | null;
}

export class AgreementStateDto extends AgreementViewDto {
  @ApiProperty({ type: 'integer', description: 'The last revision folded: the agreement as it stood right after it' })
  asOfRevision!: number;
}

export class DashboardCountDto {
  @ApiProperty({ enum: commitmentStatuses }) status!: CommitmentStatus;
  @ApiProperty({ example: 'cybercrime' }) domain!: string;
  @ApiProperty({ example: 'MA', description: 'The proposing (owning) party' }) party!: string;
  @ApiProperty({ type: 'integer', minimum: 1 }) count!: number;
}

export class OverdueCommitmentDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() title!: string;
  @ApiProperty() domain!: string;
  @ApiProperty({ example: 'MA', description: 'The proposing (owning) party' }) party!: string;
  @ApiProperty({ type: 'string', format: 'date', nullable: true }) dueDate!: string | null;
  @ApiProperty({ enum: commitmentStatuses }) status!: CommitmentStatus;
}

export class AwaitedItemDto {
  @ApiProperty({ format: 'uuid' }) sessionId!: string;
  @ApiProperty({ format: 'uuid' }) itemId!: string;
  @ApiProperty({ format: 'uuid' }) commitmentId!: string;
  @ApiProperty({ enum: agendaItemKinds }) kind!: AgendaItemKind;
}

@ApiExtraModels(AwaitedItemDto)
export class DashboardDto {
  @ApiProperty({ format: 'uuid' }) agreementId!: string;
  @ApiProperty({
    type: 'integer',
    description:
      'The global position the answer reflects: the lower of the commitments and sessions read models’ checkpoints, ' +
      'or with ?asOf the last event replayed',
  })
  position!: number;
  @ApiProperty({ type: [DashboardCountDto], description: 'Commitments by status, domain and party' })
  counts!: DashboardCountDto[];
  @ApiProperty({ type: [OverdueCommitmentDto], description: 'Overdue commitments, by due date' })
  overdue!: OverdueCommitmentDto[];
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'array', items: { $ref: getSchemaPath(AwaitedItemDto) } },
    description:
      'By party code: the open items of open sessions on which the party has taken no position yet ' +
      '(every party of an open session has an entry, empty when it awaits nothing)',
  })
  awaitingPositions!: Record<string, AwaitedItemDto[]>;
  @ApiPropertyOptional({ format: 'date-time', description: 'With ?asOf only: the instant asked for' })
  asOf?: string;
}
