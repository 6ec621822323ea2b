import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Min } from 'class-validator';

/** `?after=<position>` of every read: read your own writes. */
export class AfterQueryDto {
  @ApiPropertyOptional({
    description:
      'Read your writes: wait (up to ACCORD_READ_WAIT_MS) until the read model has passed this global position',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  after?: number;
}
