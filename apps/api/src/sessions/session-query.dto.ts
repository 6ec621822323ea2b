import { sessionStatuses, type SessionStatus } from '@accord/committee';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { CURSOR_MAX_LENGTH } from '../commitments/commitment-query.dto';
import { AfterQueryDto } from '../http/after-query.dto';
import { IsInstant } from '../http/dates';
import { IsNormalizedUuid } from '../http/uuid';

export class ListSessionsQueryDto extends AfterQueryDto {
  @ApiPropertyOptional({ description: "The agreement's sessions only" })
  @IsOptional()
  @IsNormalizedUuid()
  agreementId?: string;

  @ApiPropertyOptional({ description: 'scheduled, open or closed' })
  @IsOptional()
  @IsIn(sessionStatuses)
  status?: SessionStatus;

  @ApiPropertyOptional({
    example: '2027-01-01T00:00:00Z',
    description: 'Sessions scheduled at or after this instant (an ISO-8601 instant with its offset)',
  })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({
    example: '2028-01-01T00:00:00Z',
    description: 'Sessions scheduled strictly before this instant (an ISO-8601 instant with its offset)',
  })
  @IsOptional()
  @IsInstant()
  to?: string;

  @ApiPropertyOptional({ default: 50, description: 'Sessions a page, 1 to 200' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page, asked with the same filters' })
  @IsOptional()
  @IsString()
  @MaxLength(CURSOR_MAX_LENGTH)
  cursor?: string;
}
