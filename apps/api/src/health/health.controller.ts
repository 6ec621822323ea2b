import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../auth/auth.decorators';
import { EventStoreHealthIndicator } from './event-store.health';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly store: EventStoreHealthIndicator,
  ) {}

  /** 200 when the event store answers, 503 otherwise. No key needed: load balancers call it. */
  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.store.check('store')]);
  }
}
