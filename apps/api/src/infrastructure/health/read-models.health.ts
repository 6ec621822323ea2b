import type { EventFailure, ProjectionRunner } from '@accord/projection-runner';
import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { CommitteeProcessManager } from '../../workers/committee-process-manager';
import { PROJECTIONS } from '../../workers/workers.tokens';

/** A follower stopped on an event: a read model's live generation, a rebuild, or the process manager. */
export interface StoppedFollower extends EventFailure {
  readonly name: string;
  /** live: the tables queries read stopped there; rebuild: the generation being built did. */
  readonly of: 'live' | 'rebuild' | 'process-manager';
}

@Injectable()
export class ReadModelsHealthIndicator {
  constructor(
    @Inject(PROJECTIONS) private readonly runner: ProjectionRunner,
    private readonly processManager: CommitteeProcessManager,
    private readonly indicator: HealthIndicatorService,
  ) {}

  /**
   * Up while their state can be read (it is in the database beside the store, so every
   * instance answers the same), with `failed` listing what stopped on an event.
   */
  async check(key: string) {
    const check = this.indicator.check(key);
    try {
      const failed: StoppedFollower[] = [];
      for (const status of await this.runner.status()) {
        if (status.failure) failed.push({ name: status.name, of: 'live', ...status.failure });
        if (status.rebuild?.failure) failed.push({ name: status.name, of: 'rebuild', ...status.rebuild.failure });
      }
      const stuck = await this.processManager.stuckOn();
      if (stuck) failed.push({ name: 'committee', of: 'process-manager', ...stuck });
      return check.up({ failed });
    } catch (error) {
      return check.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}
