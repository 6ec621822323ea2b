import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';

/** Every metric of ours is named accord_…, prom-client's default metrics too. */
export const METRIC_PREFIX = 'accord_';

/** What a command came to, as accord_commands_total counts it. */
export type CommandOutcomeLabel = 'acknowledged' | 'refused' | 'conflict' | 'idempotent_replay' | 'failed';

/**
 * Latency buckets in seconds, from a cached read (1 ms) to a stalled fsync (5 s): twelve
 * buckets keep a histogram's series few (route × status × 15 lines).
 */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * The application's Prometheus registry, one per app (tests run several in a process, so it
 * is never prom-client's global one). Other modules add their own metrics with `counter`,
 * `gauge` and `histogram`: asking twice for the same name gives the same metric, so a
 * provider built twice (two apps, a test module) does not throw on a duplicate.
 *
 * `enabled` is false unless /metrics is served (ACCORD_METRICS_TOKEN or ACCORD_METRICS_PORT):
 * then the HTTP hooks, the store's timing decorator and the default metrics are left out,
 * and the counters below are still there but cost a property check.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly commands: Counter<'type' | 'outcome' | 'code'>;
  readonly appendDuration: Histogram<'store'>;
  private readonly commandChildren = new Map<string, { inc(): void }>();

  constructor(readonly enabled: boolean) {
    if (enabled) {
      // Event-loop delay (accord_nodejs_eventloop_lag_*), GC (accord_nodejs_gc_duration_seconds), heap, CPU.
      collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX, eventLoopMonitoringPrecision: 10 });
    }
    this.httpDuration = this.histogram({
      name: 'accord_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern (never the raw URL) and status, from arrival to the last byte handed to the socket',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
    });
    this.commands = this.counter({
      name: 'accord_commands_total',
      help: 'Commands sent over HTTP, by command type and outcome (acknowledged, refused, conflict, idempotent_replay, failed) and the problem code of a refusal or conflict ("none" otherwise)',
      labelNames: ['type', 'outcome', 'code'],
    });
    this.appendDuration = this.histogram({
      name: 'accord_append_duration_seconds',
      help: 'Appends to the event store by store kind, from the call to the durable answer (group commit included)',
      labelNames: ['store'],
      buckets: LATENCY_BUCKETS,
    });
  }

  /** A counter by this name, registered on first use. */
  counter<L extends string>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> {
    return (
      (this.registry.getSingleMetric(config.name) as Counter<L> | undefined) ??
      new Counter({ ...config, registers: [this.registry] })
    );
  }

  /** A gauge by this name, registered on first use; give `collect` to compute it at scrape time. */
  gauge<L extends string>(config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
    return (
      (this.registry.getSingleMetric(config.name) as Gauge<L> | undefined) ??
      new Gauge({ ...config, registers: [this.registry] })
    );
  }

  /** A histogram by this name, registered on first use. */
  histogram<L extends string>(config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L> {
    return (
      (this.registry.getSingleMetric(config.name) as Histogram<L> | undefined) ??
      new Histogram({ ...config, registers: [this.registry] })
    );
  }

  /** One command's outcome (the gateway calls it once a command is answered). */
  countCommand(type: string, outcome: CommandOutcomeLabel, code = 'none'): void {
    if (!this.enabled) return;
    // One child a (type, outcome, code): prom-client would hash the labels on every increment.
    const key = `${type} ${outcome} ${code}`;
    let child = this.commandChildren.get(key);
    if (!child) this.commandChildren.set(key, (child = this.commands.labels(type, outcome, code)));
    child.inc();
  }

  /** The exposition text of every metric, as GET /metrics answers it. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
