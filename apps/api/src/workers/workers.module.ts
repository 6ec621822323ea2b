import type { EventStore } from '@accord/event-store';
import { allProjections } from '@accord/read-models';
import {
  Checkpoints,
  FailureLog,
  ProjectionFailedError,
  ProjectionRunner,
  type Projection,
} from '@accord/projection-runner';
import { type SqlDb } from '@accord/sql';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { API_STATE } from '../infrastructure/state/state.module';
import type { ApiConfig } from '../infrastructure/api-config';
import { API_CONFIG } from '../infrastructure/api-config.provider';
import { EVENT_STORE } from '../infrastructure/event-store.module';
import { openWorkersDb } from '../infrastructure/state/open-api-state';
import type { SqlApiState } from '../infrastructure/state/sql-api-state';
import { CLOCK, type Clock } from '../infrastructure/clock';
import { CommitteeProcessManager } from './committee-process-manager';
import { DeadlineWatcher } from './deadline-watcher';
import { ReadModels } from './read-models';
import { PROJECTION_SET, PROJECTIONS, WORKERS_DB } from './workers.tokens';
import { Metrics, registerLagGauges } from '../observability/metrics.module';
import { traceProjectionBatch } from '../observability/tracing';

export { PROJECTIONS, WORKERS_DB };

/**
 * The background workers: read models, the committee's process manager and the deadline
 * watcher. With ACCORD_WORKERS=off an instance only serves HTTP (scale-out: one instance
 * runs the workers, the others do not).
 */
@Injectable()
export class Workers implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Workers');

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(PROJECTIONS) readonly projections: ProjectionRunner,
    readonly processManager: CommitteeProcessManager,
    readonly deadlines: DeadlineWatcher,
    @Inject(WORKERS_DB) private readonly db: SqlDb,
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

  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}

@Module({
  imports: [CqrsModule],
  providers: [
    {
      provide: WORKERS_DB,
      inject: [API_CONFIG],
      useFactory: (config: ApiConfig) => openWorkersDb(config.storeUrl, config.readModelUrl),
    },
    {
      provide: PROJECTIONS,
      inject: [EVENT_STORE, WORKERS_DB, API_CONFIG, { token: PROJECTION_SET, optional: true }],
      useFactory: (store: EventStore, db: SqlDb, config: ApiConfig, projections?: readonly Projection[]) =>
        new ProjectionRunner(store, db, projections ?? allProjections, {
          batchSize: config.projectionBatch,
          // Rebuilds here share the thread with requests: batches of 500 events hold it for
          // 15 to 30 ms each (1,000 gave a worst event-loop delay of 116 to 133 ms on the 1M-event
          // bench, 500 gave 77 to 102 ms; the CLI rebuilds in batches of 20,000). Old tables are
          // emptied 500 rows a transaction (off this thread on a SQLite file), so that commands
          // on the same database wait for the lock a few tens of milliseconds at most.
          buildBatchSize: 500,
          dropSlice: 500,
          // A `projection batch` span per batch, when tracing is on (observability/tracing.ts).
          aroundBatch: traceProjectionBatch,
          onError: (name, error) =>
            error instanceof ProjectionFailedError
              ? new Logger('Projections').error(
                  { err: error, projection: name, position: error.failure.position, eventId: error.failure.eventId },
                  'projection stopped before an event it fails on (see GET /projections)',
                )
              : new Logger('Projections').error({ err: error, projection: name }, 'projection failed; retrying'),
          onSwap: (name, version, generation) =>
            new Logger('Projections').log({ projection: name, version, generation }, 'rebuilt projection is live'),
        }),
    },
    {
      provide: CommitteeProcessManager,
      inject: [EVENT_STORE, CommandBus, WORKERS_DB],
      useFactory: (store: EventStore, bus: CommandBus, db: SqlDb) =>
        new CommitteeProcessManager(store, bus, new Checkpoints(db), new FailureLog(db)),
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
    ReadModels,
    {
      // accord_read_model_lag and accord_process_manager_lag, computed at scrape time.
      provide: 'READ_MODEL_LAG_GAUGES',
      inject: [Metrics, EVENT_STORE, PROJECTIONS, CommitteeProcessManager],
      useFactory: (metrics: Metrics, store: EventStore, projections: ProjectionRunner, pm: CommitteeProcessManager) =>
        registerLagGauges(metrics, { store, projections, processManagerCheckpoint: () => pm.checkpoint() }),
    },
  ],
  exports: [Workers, PROJECTIONS, CommitteeProcessManager, ReadModels],
})
export class WorkersModule {}
