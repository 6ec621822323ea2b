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

export class ListCommitmentsQueryDto extends AfterQueryDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsNormalizedUuid() agreementId?: string;
  @ApiPropertyOptional({ enum: STATUSES }) @IsOptional() @IsIn(STATUSES) status?: (typeof commitmentStatuses)[number];
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) domain?: string;
  @ApiPropertyOptional({ example: 'MA', description: 'The proposing (owning) party' })
  @IsOptional()
  @Matches(/^[A-Z]{2,10}$/)
  party?: string;

  @ApiPropertyOptional({ type: Boolean })
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

  @ApiPropertyOptional({ enum: SORTS, default: 'createdAt' }) @IsOptional() @IsIn(SORTS) sort?: (typeof SORTS)[number];

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  cursor?: string;
}
