import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { IsNormalizedUuid } from '../http/uuid';
import { STREAM_CATEGORIES, type StreamCategory } from '../live/event-filter';
import type { SubscriptionState } from './subscription-store';

const STATES: SubscriptionState[] = ['active', 'paused', 'parked'];
/** Standard Webhooks: `whsec_` and the base64 of 24 to 64 random bytes. */
export const SECRET_PATTERN = /^whsec_(?:[A-Za-z0-9+/]{4}){8,21}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** 'now', 'start', or a position (an integer of at least 0). */
function IsStartingPoint(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStartingPoint',
      validator: {
        validate: (value: unknown) =>
          value === 'now' || value === 'start' || (Number.isSafeInteger(value) && (value as number) >= 0),
        defaultMessage: () => 'from must be "now", "start" or a position (an integer of at least 0)',
      },
    },
    options,
  );
}

export class EventFilterDto {
  @ApiPropertyOptional({ example: ['DecisionReached', 'CommitmentApproved'], description: 'Any type when absent' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(/^[A-Z][A-Za-z0-9]{0,99}$/, {
    each: true,
    message: 'each type must be an event type such as DecisionReached',
  })
  types?: string[];

  @ApiPropertyOptional({ enum: STREAM_CATEGORIES })
  @IsOptional()
  @IsIn(STREAM_CATEGORIES)
  category?: StreamCategory;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'The events of this agreement and of its commitments and sessions',
  })
  @IsOptional()
  @IsNormalizedUuid()
  agreementId?: string;

  @ApiPropertyOptional({
    example: 'MA',
    description:
      "A party's code: its commitments' events and those of the agreements and sessions it is party to " +
      "(an integration key's own party, always)",
  })
  @IsOptional()
  @Matches(/^[A-Z]{2,10}$/, { message: 'party must be 2 to 10 upper-case letters' })
  party?: string;
}

export class CreateSubscriptionDto {
  @ApiProperty({ example: 'https://integration.example.org/accord-events', description: 'http or https, public' })
  @IsString()
  @MaxLength(2000)
  url!: string;

  @ApiPropertyOptional({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: 'Standard Webhooks secret (whsec_ and the base64 of 24 to 64 bytes); generated when absent',
  })
  @IsOptional()
  @IsString()
  @Matches(SECRET_PATTERN, { message: 'secret must be whsec_ followed by the base64 of 24 to 64 bytes' })
  secret?: string;

  @ApiProperty({ type: EventFilterDto })
  @IsObject()
  @ValidateNested()
  @Type(() => EventFilterDto)
  filter!: EventFilterDto;

  @ApiPropertyOptional({
    oneOf: [
      { type: 'string', enum: ['now', 'start'] },
      { type: 'integer', minimum: 0 },
    ],
    description:
      '`now` (the default): events after the current end of the log; `start`: the whole log; a position: ' +
      'the events at and after it',
  })
  @IsOptional()
  @IsStartingPoint()
  from?: 'now' | 'start' | number;
}

export class ReplayDto {
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    example: 1,
    description: 'Deliver again the events at and after this position',
  })
  @IsInt()
  @Min(0)
  from!: number;
}

export class FilterViewDto {
  @ApiPropertyOptional({ type: [String] }) types?: string[];
  @ApiPropertyOptional({ enum: STREAM_CATEGORIES }) category?: StreamCategory;
  @ApiPropertyOptional({ format: 'uuid' }) agreementId?: string;
  @ApiPropertyOptional() party?: string;
}

export class SubscriptionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ type: FilterViewDto }) filter!: FilterViewDto;
  @ApiProperty({ enum: STATES, description: 'parked: stopped after consecutive failures, until resumed' })
  state!: SubscriptionState;
  @ApiProperty({ type: 'integer', description: 'Position of the last event handled (delivered, or not matching)' })
  checkpoint!: number;
  @ApiProperty({ type: 'integer', description: 'The end of the log minus the checkpoint' }) lag!: number;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ type: 'integer', description: 'Consecutive failed attempts on the next event' }) failures!: number;
  @ApiProperty({ type: 'integer', description: 'Attempts made in all' }) attempts!: number;
  @ApiProperty({ type: String, nullable: true, description: "The integration key's party; null: an admin's" })
  ownerParty!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class CreatedSubscriptionDto extends SubscriptionDto {
  @ApiProperty({ description: 'The signing secret: in this answer only, never again' }) secret!: string;
}

export class SubscriptionListDto {
  @ApiProperty({ type: [SubscriptionDto] }) items!: SubscriptionDto[];
}

export class DeliveryDto {
  @ApiProperty({ description: 'The same for every attempt at this event (webhook-id header)' }) webhookId!: string;
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ type: 'integer' }) position!: number;
  @ApiProperty({ type: 'integer', description: "The attempt's number at this event, from 1" }) attempt!: number;
  @ApiProperty({ type: 'integer', nullable: true }) statusCode!: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why it failed: a status, a timeout, a refused address' })
  error!: string | null;
  @ApiProperty({ type: 'integer' }) durationMs!: number;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class DeliveryListDto {
  @ApiProperty({ type: [DeliveryDto], description: 'The last 100 attempts, newest first' }) items!: DeliveryDto[];
}
