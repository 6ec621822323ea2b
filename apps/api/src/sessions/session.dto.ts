import { agendaItemKinds, type AgendaItemKind, type Position } from '@accord/committee';
import { isIsoInstant } from '@accord/commitments';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateBy,
  ValidationOptions,
} from 'class-validator';
import { CommandAcceptedDto } from '../http/api-docs.decorators';
import { IsIsoDate } from '../http/dates';
import { IsNormalizedUuid } from '../http/uuid';
import { POSITIONS } from './session-view.dto';

const PARTY_CODE = /^[A-Z]{2,10}$/;

/** The decider's own checks, so that a malformed time is a 400 here and not a 422 later. */
const IsUtcInstant = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isUtcInstant',
      validator: {
        validate: (value) => isIsoInstant(value),
        defaultMessage: (args) => `${args?.property} must be an ISO instant in UTC, such as 2026-03-10T09:30:00Z`,
      },
    },
    options,
  );

export class ScheduleSessionDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Chosen by the client so that scheduling is idempotent' })
  @IsOptional()
  @IsNormalizedUuid()
  id?: string;

  @ApiProperty({ format: 'uuid' })
  @IsNormalizedUuid()
  agreementId!: string;

  @ApiProperty({ format: 'date-time', example: '2026-03-10T09:30:00Z', description: 'ISO instant in UTC (Z)' })
  @IsUtcInstant()
  scheduledFor!: string;

  @ApiProperty({ example: 'Doha, Ministry of Interior' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  venue!: string;
}

export class AddAgendaItemDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Chosen by the client; else derived from the Idempotency-Key when there is one, else random',
  })
  @IsOptional()
  @IsNormalizedUuid()
  itemId?: string;

  @ApiProperty({ format: 'uuid' })
  @IsNormalizedUuid()
  commitmentId!: string;

  @ApiProperty({ enum: agendaItemKinds, description: 'The decision sought' })
  @IsIn(agendaItemKinds)
  kind!: AgendaItemKind;

  @ApiPropertyOptional({ example: '2027-12-31', description: 'ISO date; required for an extension, refused otherwise' })
  @IsOptional()
  @IsIsoDate()
  proposedDueDate?: string;
}

export class AgendaItemAcceptedDto extends CommandAcceptedDto {
  @ApiProperty({ format: 'uuid', description: 'The new item: delegations record their positions on it' })
  itemId!: string;
}

export class OpenSessionDto {
  @ApiProperty({
    example: ['MA', 'QA'],
    description: "Codes of the parties present; decisions need all of the agreement's parties",
  })
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @Matches(PARTY_CODE, {
    each: true,
    message: 'each attendance entry must be a party code of 2 to 10 upper-case letters',
  })
  attendance!: string[];
}

export class RecordPositionDto {
  @ApiProperty({ format: 'uuid' })
  @IsNormalizedUuid()
  itemId!: string;

  @ApiProperty({
    enum: POSITIONS,
    description:
      'review: approve | reject | request_changes; evaluation: achieved | partially_achieved | not_achieved; ' +
      'the other kinds: grant | deny',
  })
  @IsIn(POSITIONS)
  position!: Position;

  @ApiPropertyOptional({ example: 'Subject to the budget vote' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}

export class CloseSessionDto {}
