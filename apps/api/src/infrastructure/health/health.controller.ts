import { Controller, Get } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { ApiProblem } from '../../http/api-docs.decorators';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../../auth/auth.decorators';
import { EventStoreHealthIndicator } from './event-store.health';
import { ReadModelsHealthIndicator } from './read-models.health';

class HealthIndicatorDto {
  @ApiProperty({ example: 'up', description: '`up` or `down`' }) status!: string;
  [detail: string]: unknown;
}

const INDICATORS = {
  type: 'object',
  additionalProperties: { $ref: '#/components/schemas/HealthIndicatorDto' },
  example: { store: { status: 'up' }, readModels: { status: 'up' } },
} as const;

class HealthDto {
  @ApiProperty({
    enum: ['ok', 'degraded'],
    description: '`degraded`: a read model or the process manager stopped on an event (details.readModels.failed)',
  })
  status!: 'ok' | 'degraded';
  @ApiPropertyOptional({ ...INDICATORS, nullable: true }) info?: Record<string, HealthIndicatorDto> | null;
  @ApiPropertyOptional({ ...INDICATORS, nullable: true }) error?: Record<string, HealthIndicatorDto> | null;
  @ApiProperty(INDICATORS) details!: Record<string, HealthIndicatorDto>;
}

@ApiExtraModels(HealthIndicatorDto)
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly store: EventStoreHealthIndicator,
    private readonly readModels: ReadModelsHealthIndicator,
  ) {}

  /**
   * 200 when the event store and the database beside it answer, 503 otherwise. Status
   * "degraded" (still 200) when a read model or the process manager stopped on an event, with
   * each in `details.readModels.failed`: commands and the other read models still work on every
   * instance, so taking instances out would not help (decision 0012). No key needed: load balancers call it.
   */
  @Get()
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({
    summary: 'Is this instance able to serve?',
    description:
      '200 when the event store and the database beside it answer (status `degraded` when a read model stopped on an event: ' +
      'commands and the other reads still work), 503 otherwise. No key needed: load balancers call it.',
    security: [],
  })
  @ApiOkResponse({ type: HealthDto, description: 'The store answers; each indicator in details' })
  @ApiProblem(503, 'SERVICE_UNAVAILABLE: the event store or its database does not answer')
  async check() {
    const result = await this.health.check([
      () => this.store.check('store'),
      () => this.readModels.check('readModels'),
    ]);
    const failed = (result.details.readModels?.failed as unknown[] | undefined) ?? [];
    return failed.length > 0 ? { ...result, status: 'degraded' as const } : result;
  }
}
