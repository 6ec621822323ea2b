import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { EventStoreHealthIndicator } from './event-store.health';

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
