import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { CURSOR_MAX_LENGTH } from '../commitments/commitment-query.dto';
import { IsInstant } from '../http/dates';
import { AfterQueryDto } from '../http/after-query.dto';

const AS_OF =
  "An ISO-8601 instant: replay the log up to the first event that occurred after it (each event's " +
  'metadata.occurredAt, covered by its hash; recordedAt when it has none)';

export class CommitmentStateQueryDto {
  @ApiPropertyOptional({ example: 3, description: 'Fold the stream up to and including this revision' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  revision?: number;

  @ApiPropertyOptional({ example: '2027-01-31T12:00:00Z', description: AS_OF })
  @IsOptional()
  @IsInstant()
  asOf?: string;
}

/** The query of a stream's events: the first page from `fromRevision`, the next ones by `cursor`. */
export class StreamEventsQueryDto {
  @ApiPropertyOptional({
    default: 0,
    description: 'The first page starts at this revision; not with cursor, which carries where the next page starts',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  fromRevision?: number;

  @ApiPropertyOptional({ default: 100, description: 'Events a page' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: "The nextCursor of the previous page of the same stream's events" })
  @IsOptional()
  @IsString()
  @MaxLength(CURSOR_MAX_LENGTH)
  cursor?: string;
}

export class DashboardQueryDto extends AfterQueryDto {
  @ApiPropertyOptional({ example: '2027-01-31T12:00:00Z', description: `${AS_OF}; \`after\` does not apply then` })
  @IsOptional()
  @IsInstant()
  asOf?: string;
}
