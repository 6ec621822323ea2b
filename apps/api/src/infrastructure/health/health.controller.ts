import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../../auth/auth.decorators';
import { EventStoreHealthIndicator } from './event-store.health';
import { ReadModelsHealthIndicator } from './read-models.health';

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
  @HealthCheck()
  async check() {
    const result = await this.health.check([
      () => this.store.check('store'),
      () => this.readModels.check('readModels'),
    ]);
    const failed = (result.details.readModels?.failed as unknown[] | undefined) ?? [];
    return failed.length > 0 ? { ...result, status: 'degraded' as const } : result;
  }
}
