import type { EventStore } from '@accord/event-store';
import { openEventStore, parseStoreUrl, redactStoreUrl } from '@accord/store-factory';
import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { API_CONFIG } from './api-config.provider';
import { Metrics } from '../observability/metrics';
import { measuredEventStore } from '../observability/measured-event-store';
import { tracingEnabled } from '../observability/tracing';
import type { ApiConfig } from './api-config';

export const EVENT_STORE = Symbol('EVENT_STORE');
/** How often the API's SQLite WAL is checkpointed, off its request thread. */
export const API_CHECKPOINT_EVERY_MS = 100;

/**
 * What an operator must hear at start about the store a URL names: the KurrentDB adapter has
 * only run against an in-process stand-in, never a real server (README, "Scaling out").
 */
export function storeWarnings(url: string | undefined): string[] {
  if (parseStoreUrl(url).kind !== 'kurrentdb') return [];
  return [
    'the KurrentDB adapter has been verified only against an in-process stand-in, never against a real ' +
      'KurrentDB server or cluster: run `KURRENTDB_URL=kurrentdb://… npm run test:kurrentdb` against yours ' +
      'before relying on it (docs/scaling-out.md)',
  ];
}

/**
 * Closes the store after the HTTP server has stopped taking requests (Nest runs
 * onApplicationShutdown after it disposes of the server), so in-flight appends finish.
 */
@Injectable()
class EventStoreCloser implements OnApplicationShutdown {
  private readonly logger = new Logger('EventStore');
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onApplicationShutdown(signal?: string): Promise<void> {
    await this.store.close();
    this.logger.log({ msg: 'event store closed', signal });
  }
}

@Global()
@Module({
  providers: [
    {
      provide: EVENT_STORE,
      inject: [API_CONFIG, { token: Metrics, optional: true }],
      useFactory: async (config: ApiConfig, metrics?: Metrics): Promise<EventStore> => {
        // The API serves requests on one thread: SQLite's checkpoints run on another (decision 0011).
        const store = await openEventStore(config.storeUrl, { sqliteCheckpointEveryMs: API_CHECKPOINT_EVERY_MS });
        const logger = new Logger('EventStore');
        logger.log({ msg: 'event store open', store: redactStoreUrl(config.storeUrl) });
        for (const warning of storeWarnings(config.storeUrl)) logger.warn(warning);
        // Appends timed and traced when metrics or tracing are on (the store itself otherwise).
        return measuredEventStore(store, parseStoreUrl(config.storeUrl).kind, metrics, tracingEnabled());
      },
    },
    EventStoreCloser,
  ],
  exports: [EVENT_STORE],
})
export class EventStoreModule {}
