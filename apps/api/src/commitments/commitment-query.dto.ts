import { commitmentStatuses } from '@accord/commitments';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { AfterQueryDto } from '../http/after-query.dto';
import { IsIsoDate } from '../http/dates';
import { IsNormalizedUuid } from '../http/uuid';

export const STATUSES = commitmentStatuses;
export const SORTS = [
  'createdAt',
  '-createdAt',
  'dueDate',
  '-dueDate',
  'updatedAt',
  '-updatedAt',
  'title',
  '-title',
] as const;

/** The largest cursor this API issues: a sort key of a 300-character title, escaped, in base64url. */
export const CURSOR_MAX_LENGTH = 4096;

export class ListCommitmentsQueryDto extends AfterQueryDto {
  @ApiPropertyOptional({ description: 'The agreement the commitments are made under' })
  @IsOptional()
  @IsNormalizedUuid()
  agreementId?: string;

  @ApiPropertyOptional({ example: 'in_progress' })
  @IsOptional()
  @IsIn(STATUSES)
  status?: (typeof commitmentStatuses)[number];

  @ApiPropertyOptional({ example: 'cybercrime' }) @IsOptional() @IsString() @MaxLength(200) domain?: string;

  @ApiPropertyOptional({ example: 'MA', description: 'The proposing (owning) party' })
  @IsOptional()
  @Matches(/^[A-Z]{2,10}$/)
  party?: string;

  @ApiPropertyOptional({ description: 'true: only the overdue; false: only those not overdue' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  overdue?: boolean;

  @ApiPropertyOptional({ example: '2027-12-31', description: 'Due strictly before this date' })
  @IsOptional()
  @IsIsoDate()
  dueBefore?: string;

  @ApiPropertyOptional({ example: '2027-01-01', description: 'Due strictly after this date' })
  @IsOptional()
  @IsIsoDate()
  dueAfter?: string;

  @ApiPropertyOptional({
    default: 'createdAt',
    description: 'The order, `-` for descending; ties go by id. Commitments without a due date sort last by dueDate',
  })
  @IsOptional()
  @IsIn(SORTS)
  sort?: (typeof SORTS)[number];

  @ApiPropertyOptional({ default: 50, description: 'Commitments a page' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({
    description:
      'The nextCursor of the previous page. Send it with the same filters and sort as the request that gave it ' +
      '(limit and after may change): a cursor with other filters or sort is 400 VALIDATION_FAILED',
  })
  @IsOptional()
  @IsString()
  @MaxLength(CURSOR_MAX_LENGTH)
  cursor?: string;
}

export class CommitmentHistoryQueryDto extends AfterQueryDto {
  @ApiPropertyOptional({ default: 100, description: 'Entries a page' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: "The nextCursor of the previous page of this commitment's history" })
  @IsOptional()
  @IsString()
  @MaxLength(CURSOR_MAX_LENGTH)
  cursor?: string;
}
