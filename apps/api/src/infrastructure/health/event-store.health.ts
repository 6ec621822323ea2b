import type { EventStore } from '@accord/event-store';
import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { EVENT_STORE } from '../event-store.module';

@Injectable()
export class EventStoreHealthIndicator {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly indicator: HealthIndicatorService,
  ) {}

  /** Up when the store answers a one-event read of the global log. */
  async check(key: string) {
    const check = this.indicator.check(key);
    try {
      await this.store.readAll({ maxCount: 1 });
      return check.up();
    } catch (error) {
      return check.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}
