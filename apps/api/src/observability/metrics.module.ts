import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { headPosition, type EventStore } from '@accord/event-store';
import type { ProjectionRunner } from '@accord/projection-runner';
import {
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { API_CONFIG } from '../infrastructure/api-config.provider';
import type { ApiConfig } from '../infrastructure/api-config';
import { Metrics } from './metrics';
import { flushTracing } from './tracing';

export { Metrics };

/** Whether this configuration serves /metrics at all (a token for the API's port, or a port of its own). */
export function metricsEnabled(config: Pick<ApiConfig, 'observability'>): boolean {
  return config.observability?.metricsToken !== undefined || config.observability?.metricsPort !== undefined;
}

/**
 * ACCORD_METRICS_PORT: a plain node:http server that answers GET /metrics (and nothing
 * else, 404) without authentication, for a private network a Prometheus scrapes. It
 * listens on the API's HOST once the application has started and closes with it.
 */
@Injectable()
export class MetricsPortServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: Server | undefined;

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly metrics: Metrics,
  ) {}

  /** The port it listens on (ACCORD_METRICS_PORT, or the one the OS chose for 0). */
  get port(): number | undefined {
    const address = this.server?.address();
    return typeof address === 'object' && address !== null ? (address as AddressInfo).port : undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.observability?.metricsPort;
    if (port === undefined) return;
    const server = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0];
      if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
        response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: GET /metrics\n');
        return;
      }
      this.metrics.text().then(
        (text) => {
          response.writeHead(200, { 'content-type': this.metrics.contentType, 'cache-control': 'no-store' });
          response.end(request.method === 'HEAD' ? undefined : text);
        },
        (error: unknown) => {
          new Logger('Metrics').error({ err: error }, 'metrics could not be collected');
          response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics failed\n');
        },
      );
    });
    this.server = server;
    await new Promise<void>((listening, failed) => {
      server.once('error', failed);
      server.listen(port, this.config.host, () => {
        server.off('error', failed);
        listening();
      });
    });
    new Logger('Metrics').log({ msg: 'metrics served', port: this.port, host: this.config.host });
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((closed) => server.close(() => closed()));
  }
}

/** Sends the spans the BatchSpanProcessor still holds before the process stops (a no-op when tracing is off). */
@Injectable()
export class TracingFlusher implements OnApplicationShutdown {
  async onApplicationShutdown(): Promise<void> {
    await flushTracing().catch((error: unknown) =>
      new Logger('Tracing').warn({ err: error }, 'spans could not be flushed at shutdown'),
    );
  }
}

/** The read models' runner and the process manager's checkpoint, as the workers module provides them. */
export interface LagSources {
  readonly store: EventStore;
  readonly projections: ProjectionRunner;
  readonly processManagerCheckpoint: () => Promise<number>;
}

/**
 * accord_read_model_lag and accord_process_manager_lag, computed when scraped: the log's
 * head position minus each checkpoint (positions may have gaps on PostgreSQL, so this is an
 * upper bound of the events still to apply; GET /projections counts them). Every instance
 * reports them (the checkpoints are shared), whether or not it runs the workers.
 */
export function registerLagGauges(metrics: Metrics, sources: LagSources): void {
  if (!metrics.enabled) return;
  metrics.gauge({
    name: 'accord_read_model_lag',
    help: "Positions between the log's head and each read model's checkpoint (0: caught up)",
    labelNames: ['projection'],
    async collect() {
      const head = await headPosition(sources.store);
      for (const { name } of sources.projections.projections) {
        this.set({ projection: name }, Math.max(0, head - (await sources.projections.checkpoint(name))));
      }
    },
  });
  metrics.gauge({
    name: 'accord_process_manager_lag',
    help: "Positions between the log's head and the committee process manager's checkpoint (0: caught up)",
    async collect() {
      const head = await headPosition(sources.store);
      this.set(Math.max(0, head - (await sources.processManagerCheckpoint())));
    },
  });
}

/**
 * The registry every module adds its metrics to: inject `Metrics` and call `counter`,
 * `gauge` or `histogram` (global, so no import is needed). `metrics.enabled` says whether
 * anyone will ever read them.
 */
@Global()
@Module({
  providers: [
    { provide: Metrics, inject: [API_CONFIG], useFactory: (config: ApiConfig) => new Metrics(metricsEnabled(config)) },
    MetricsPortServer,
    TracingFlusher,
  ],
  exports: [Metrics, MetricsPortServer],
})
export class MetricsModule {}
