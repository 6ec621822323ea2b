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
import { IntegrityHealthIndicator } from './integrity.health';
import { ReadModelsHealthIndicator } from './read-models.health';

class HealthIndicatorDto {
  @ApiProperty({ example: 'up', description: '`up` or `down`' }) status!: string;
  [detail: string]: unknown;
}

const INDICATORS = {
  type: 'object',
  additionalProperties: { $ref: '#/components/schemas/HealthIndicatorDto' },
  description:
    '`store`, `readModels` (with `failed`) and `integrity`: `down` once this instance found an event that is not ' +
    'what its hash says, with `first` (problem, streamId, revision, position, storedHash, recomputedHash, foundBy, ' +
    'foundAt) and `events` (how many), or once its checkpointer found the log tree no longer extends the last ' +
    'checkpoint, with `checkpoint` (lastCheckpoint, treeSize, detail, foundAt)',
  example: { store: { status: 'up' }, readModels: { status: 'up' }, integrity: { status: 'up' } },
} as const;

class HealthDto {
  @ApiProperty({
    enum: ['ok', 'degraded'],
    description:
      '`degraded`: a read model or the process manager stopped on an event (details.readModels.failed), or the ' +
      "instance's audit reads found a broken record, or the log tree no longer extends the last checkpoint (details.integrity)",
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
    private readonly integrity: IntegrityHealthIndicator,
  ) {}

  /**
   * 200 when the event store and the database beside it answer, 503 otherwise. Status
   * "degraded" (still 200) when a read model or the process manager stopped on an event, with
   * each in `details.readModels.failed`: commands and the other read models still work on every
   * instance, so taking instances out would not help (decision 0012). Likewise when the audit
   * reads found a broken record: `integrity` is down, but the record is the same from every
   * instance, and taking them out of rotation would only stop it being served with its marks.
   * No key needed: load balancers call it.
   */
  @Get()
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({
    summary: 'Is this instance able to serve?',
    description:
      '200 when the event store and the database beside it answer (status `degraded` when a read model stopped on an event: ' +
      'commands and the other reads still work; or when an audit read or the digest found an event that is not what its ' +
      'hash says: `integrity` is `down` with the first finding, and stays so until the instance restarts), 503 otherwise. ' +
      'No key needed: load balancers call it.',
    security: [],
  })
  @ApiOkResponse({ type: HealthDto, description: 'The store answers; each indicator in details' })
  @ApiProblem(503, 'SERVICE_UNAVAILABLE: the event store or its database does not answer')
  async check() {
    const result = await this.health.check([
      () => this.store.check('store'),
      () => this.readModels.check('readModels'),
    ]);
    // Outside terminus's check, which would answer 503 for an indicator that is down.
    const integrity = this.integrity.check('integrity');
    const broken = integrity.integrity.status === 'down';
    const failed = (result.details.readModels?.failed as unknown[] | undefined) ?? [];
    return {
      ...result,
      status: failed.length > 0 || broken ? ('degraded' as const) : result.status,
      ...(broken ? { error: { ...result.error, ...integrity } } : { info: { ...result.info, ...integrity } }),
      details: { ...result.details, ...integrity },
    };
  }
}
