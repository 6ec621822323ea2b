import {
  agendaItemKinds,
  positionOptions,
  sessionStatuses,
  type AgendaItemKind,
  type AgendaItemStatus,
  type Position,
  type SessionStatus,
} from '@accord/committee';
import type { ActorRole } from '@accord/commitments';
import { ApiExtraModels, ApiProperty, getSchemaPath, type ApiPropertyOptions } from '@nestjs/swagger';

/** Every position a delegation can take on some kind of item. */
export const POSITIONS: readonly Position[] = [...new Set(Object.values(positionOptions).flat())];
const ITEM_STATUSES: readonly AgendaItemStatus[] = ['open', 'decided', 'deferred'];
export const ACTOR_ROLES: readonly ActorRole[] = [
  'integration',
  'secretariat',
  'delegate',
  'auditor',
  'admin',
  'system',
];

/**
 * Who recorded a position, inline rather than a $ref: OpenAPI 3.0 has no way to make a $ref
 * nullable that validators agree on (`nullable` beside `allOf` still refuses null).
 */
const EVENT_ACTOR: ApiPropertyOptions = {
  type: 'object',
  nullable: true,
  description: 'Who recorded it: the API key and the party it acts for; null for an event without an actor',
  properties: {
    id: { type: 'string', description: 'The API key id, or the name of a system process' },
    role: { type: 'string', enum: [...ACTOR_ROLES] },
    party: { type: 'string', nullable: true, example: 'MA', description: 'The party it acts for; null for none' },
  },
  required: ['id', 'role', 'party'],
};

export class PartyPositionDto {
  @ApiProperty({ enum: POSITIONS }) position!: Position;
  @ApiProperty({ type: 'string', nullable: true }) note!: string | null;
}

export class PositionTakenDto {
  @ApiProperty({ example: 'MA' }) party!: string;
  @ApiProperty({ enum: POSITIONS }) position!: Position;
  @ApiProperty({ type: 'string', nullable: true }) note!: string | null;
  @ApiProperty(EVENT_ACTOR)
  actor!: { id: string; role: ActorRole; party: string | null } | null;
  @ApiProperty({ format: 'date-time', description: 'When the command that recorded it was received' })
  occurredAt!: string;
  @ApiProperty({ type: 'integer', description: 'The session revision of its PositionRecorded event' })
  revision!: number;
  @ApiProperty({ description: "Whether it is the party's latest position on the item: the one that counts" })
  current!: boolean;
}

@ApiExtraModels(PartyPositionDto)
export class AgendaItemViewDto {
  @ApiProperty({ format: 'uuid' }) itemId!: string;
  @ApiProperty({ format: 'uuid' }) commitmentId!: string;
  @ApiProperty({
    type: 'string',
    nullable: true,
    description:
      "The commitment's title when the item was put on the agenda (what the committee was asked about); " +
      'null only when the log holds no proposal of that commitment',
  })
  commitmentTitle!: string | null;
  @ApiProperty({ enum: agendaItemKinds }) kind!: AgendaItemKind;
  @ApiProperty({ type: 'string', format: 'date', nullable: true, description: 'Extension items only' })
  proposedDueDate!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(PartyPositionDto) },
    description: "Each party's current position, by party code (parties that took none are absent)",
    example: { MA: { position: 'approve', note: null } },
  })
  positions!: Record<string, PartyPositionDto>;
  @ApiProperty({
    type: [PositionTakenDto],
    description: 'Every position taken on the item, changes included, in the order they were recorded',
  })
  positionHistory!: PositionTakenDto[];
  @ApiProperty({
    enum: ITEM_STATUSES,
    description: 'decided: every party took the same position; deferred: the session closed first',
  })
  status!: AgendaItemStatus;
  @ApiProperty({ enum: [...POSITIONS, null], nullable: true, description: 'The agreed position, once decided' })
  outcome!: Position | null;
}

export class SessionViewDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) agreementId!: string;
  @ApiProperty({ enum: sessionStatuses }) status!: SessionStatus;
  @ApiProperty({
    format: 'date-time',
    example: '2027-03-10T09:30:00Z',
    description: 'ISO instant in UTC, as scheduled',
  })
  scheduledFor!: string;
  @ApiProperty({ example: 'Doha, Ministry of Interior' }) venue!: string;
  @ApiProperty({
    type: [String],
    example: ['MA', 'QA'],
    description: "The agreement's parties when the session was scheduled: all of them must agree",
  })
  parties!: string[];
  @ApiProperty({
    type: [String],
    example: ['MA', 'QA'],
    description: 'The parties present, from the opening; empty before',
  })
  attendance!: string[];
  @ApiProperty({ type: [AgendaItemViewDto], description: 'In the order they were added' }) items!: AgendaItemViewDto[];
  @ApiProperty({ type: 'integer', description: "The session stream's revision (also the ETag)" }) revision!: number;
  @ApiProperty({ type: 'integer', description: 'Global position of its last event' }) position!: number;
}

export class SessionPageDto {
  @ApiProperty({ type: [SessionViewDto] }) items!: SessionViewDto[];
  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'Pass as ?cursor= (with the same filters) for the next page; null on the last',
  })
  nextCursor!: string | null;
}

export class SessionStateDto extends SessionViewDto {
  @ApiProperty({ type: 'integer', description: 'The last revision folded: the session as it stood right after it' })
  asOfRevision!: number;
}
