import type { EventStore } from '@accord/event-store';
import {
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { ApiConfig } from '../infrastructure/api-config';
import { API_CONFIG } from '../infrastructure/api-config.provider';
import { EVENT_STORE } from '../infrastructure/event-store.module';
import { leaveCheckpointsToTheStore, openSideDb } from '../infrastructure/state/open-api-state';
import { Metrics } from '../observability/metrics';
import { SubscriptionStore } from './subscription-store';
import { WebhookDispatcher } from './webhook-dispatcher';
import { readWebhookSettings, type WebhookSettings } from './webhook-settings';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

const WEBHOOK_SETTINGS = Symbol('WEBHOOK_SETTINGS');

/** Starts delivery where the workers run (ACCORD_WORKERS=on) and stops it before the store closes. */
@Injectable()
export class WebhookDelivery implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(WebhookDispatcher) private readonly dispatcher: WebhookDispatcher,
    @Inject(SubscriptionStore) private readonly subscriptions: SubscriptionStore,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.workers) this.dispatcher.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.dispatcher.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriptions.db.close();
  }
}

/**
 * accord_webhook_backlog and accord_webhook_parked (computed when scraped, from the shared
 * table, so every instance reports them) and accord_webhook_failures_total (this instance's
 * failed attempts: only the delivering instance makes any).
 */
function registerWebhookMetrics(metrics: Metrics | undefined, service: WebhooksService, dispatcher: WebhookDispatcher) {
  if (!metrics?.enabled) return;
  metrics.gauge({
    name: 'accord_webhook_backlog',
    help: "Positions between the log's head and the checkpoints of the active and parked webhook subscriptions, summed",
    async collect() {
      this.set((await service.stats()).backlog);
    },
  });
  metrics.gauge({
    name: 'accord_webhook_parked',
    help: 'Webhook subscriptions parked after consecutive failures (resume them: POST /subscriptions/{id}/resume)',
    async collect() {
      this.set((await service.stats()).parked);
    },
  });
  const failures = metrics.counter({
    name: 'accord_webhook_failures_total',
    help: 'Failed webhook delivery attempts (a non-2xx answer, a timeout, a refused address) made by this instance',
  });
  dispatcher.counters.onAttempt = (delivered) => {
    if (!delivered) failures.inc();
  };
}

/** Webhook subscriptions (decision 0033): the routes on every instance, delivery on the workers' one. */
@Module({
  controllers: [WebhooksController],
  providers: [
    {
      provide: WEBHOOK_SETTINGS,
      inject: [API_CONFIG],
      // A config built by hand (the in-process test apps) has no webhooks member: the environment's then.
      useFactory: (config: ApiConfig): WebhookSettings => config.webhooks ?? readWebhookSettings(process.env),
    },
    {
      provide: SubscriptionStore,
      inject: [API_CONFIG],
      // A durable connection of its own (a checkpoint and its attempt reach the disk before the next
      // delivery), so that deliveries do not queue behind every request's key lookup on the state's.
      useFactory: (config: ApiConfig) =>
        new SubscriptionStore(
          leaveCheckpointsToTheStore(openSideDb(config.storeUrl, config.readModelUrl), config.storeUrl),
        ),
    },
    {
      provide: WebhookDispatcher,
      inject: [EVENT_STORE, SubscriptionStore, WEBHOOK_SETTINGS],
      useFactory: (store: EventStore, subscriptions: SubscriptionStore, settings: WebhookSettings) =>
        new WebhookDispatcher(store, subscriptions, settings),
    },
    {
      provide: WebhooksService,
      inject: [EVENT_STORE, SubscriptionStore, WEBHOOK_SETTINGS, WebhookDispatcher, API_CONFIG],
      useFactory: (
        store: EventStore,
        subscriptions: SubscriptionStore,
        settings: WebhookSettings,
        dispatcher: WebhookDispatcher,
        config: ApiConfig,
      ) => new WebhooksService(store, subscriptions, settings, config.workers ? dispatcher : undefined),
    },
    WebhookDelivery,
    {
      provide: 'WEBHOOK_METRICS',
      inject: [{ token: Metrics, optional: true }, WebhooksService, WebhookDispatcher],
      useFactory: registerWebhookMetrics,
    },
  ],
  exports: [WebhooksService],
})
export class WebhooksModule {}
