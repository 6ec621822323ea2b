import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { IntegrityMonitor } from '../../audit/integrity-monitor';

@Injectable()
export class IntegrityHealthIndicator {
  constructor(
    private readonly monitor: IntegrityMonitor,
    private readonly indicator: HealthIndicatorService,
  ) {}

  /**
   * Up until this instance's reads found an event that is not what its hash says, or its
   * checkpointer found the log tree no longer extends the last checkpoint; down from then on,
   * with the first finding and how many events were found. HealthController keeps
   * the answer 200 even so (see there).
   */
  check(key: string) {
    const check = this.indicator.check(key);
    const { first, events, checkpoint } = this.monitor.status();
    return first || checkpoint
      ? check.down({ events, ...(first ? { first } : {}), ...(checkpoint ? { checkpoint } : {}) })
      : check.up();
  }
}
