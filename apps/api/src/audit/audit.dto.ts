import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsInstant } from '../http/dates';
import { AfterQueryDto } from '../http/after-query.dto';

const AS_OF =
  "An ISO-8601 instant: replay the log up to the first event that occurred after it (each event's " +
  'metadata.occurredAt, covered by its hash; recordedAt when it has none)';

export class CommitmentStateQueryDto {
  @ApiPropertyOptional({ minimum: 0, description: 'Fold the stream up to and including this revision' })
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

export class CommitmentEventsQueryDto {
  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  fromRevision?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class DashboardQueryDto extends AfterQueryDto {
  @ApiPropertyOptional({ example: '2027-01-31T12:00:00Z', description: `${AS_OF}; \`after\` does not apply then` })
  @IsOptional()
  @IsInstant()
  asOf?: string;
}
