import type { EventStore } from '@accord/event-store';
import { allProjections, Checkpoints, ProjectionRunner } from '@accord/projections';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, Module, OnApplicationBootstrap } from '@nestjs/common';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { API_STATE } from '../auth/auth.module';
import type { ApiConfig } from '../config/api-config';
import { API_CONFIG } from '../config/api-config.provider';
import { EVENT_STORE } from '../event-store/event-store.module';
import type { SqlApiState } from '../state/sql-api-state';
import { CLOCK, type Clock } from './clock';
import { CommitteeProcessManager } from './committee-process-manager';
import { DeadlineWatcher } from './deadline-watcher';

export const PROJECTIONS = Symbol('PROJECTIONS');

/**
 * The background workers: read models, the committee's process manager and the deadline
 * watcher. With ACCORD_WORKERS=off an instance only serves HTTP (scale-out: one instance
 * runs the workers, the others do not).
 */
@Injectable()
export class Workers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Workers');

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(PROJECTIONS) readonly projections: ProjectionRunner,
    readonly processManager: CommitteeProcessManager,
    readonly deadlines: DeadlineWatcher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.workers) {
      this.logger.log('workers are off on this instance (ACCORD_WORKERS=off)');
      return;
    }
    await this.projections.start();
    await this.processManager.start();
    // The first deadline check waits for the read model to reach the end of the log, so a
    // deadline that passed while the process was down is seen at once.
    void this.projections.caughtUp().then(() => {
      if (this.config.workers) this.deadlines.start();
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.deadlines.stop();
    await this.processManager.stop();
    await this.projections.stop();
  }
}

@Module({
  imports: [CqrsModule],
  providers: [
    {
      provide: PROJECTIONS,
      inject: [EVENT_STORE, API_STATE, API_CONFIG],
      useFactory: (store: EventStore, state: SqlApiState, config: ApiConfig) =>
        new ProjectionRunner(store, state.db, allProjections, {
          batchSize: config.projectionBatch,
          onError: (name, error) =>
            new Logger('Projections').error({ err: error, projection: name }, 'projection failed; retrying'),
          onSwap: (name, version, generation) =>
            new Logger('Projections').log({ projection: name, version, generation }, 'rebuilt projection is live'),
        }),
    },
    {
      provide: CommitteeProcessManager,
      inject: [EVENT_STORE, CommandBus, API_STATE],
      useFactory: (store: EventStore, bus: CommandBus, state: SqlApiState) =>
        new CommitteeProcessManager(store, bus, new Checkpoints(state.db)),
    },
    {
      provide: DeadlineWatcher,
      inject: [API_STATE, PROJECTIONS, CommandBus, CLOCK, API_CONFIG],
      useFactory: (
        state: SqlApiState,
        projections: ProjectionRunner,
        bus: CommandBus,
        clock: Clock,
        config: ApiConfig,
      ) => new DeadlineWatcher(state.db, projections, bus, clock, config.deadlineCheckMs),
    },
    Workers,
  ],
  exports: [Workers, PROJECTIONS],
})
export class WorkersModule {}
