import { DEFAULT_STORE_URL } from '@accord/store-factory';
import { readWebhookSettings, type WebhookSettings } from '../webhooks/webhook-settings';

/** Everything the API reads from the environment; the README's configuration table lists the same. */
export interface ApiConfig {
  readonly storeUrl: string;
  readonly port: number;
  readonly host: string;
  readonly logLevel: string;
  /** ACCORD_ADMIN_KEY: the admin key for automation; without it a first start generates one. */
  readonly adminKey: string | undefined;
  /** ACCORD_WORKERS: run projections, the committee process manager and the deadline watcher here. */
  readonly workers: boolean;
  /** ACCORD_DEADLINE_CHECK_MS: how often the deadline watcher looks for passed due dates. */
  readonly deadlineCheckMs: number;
  /** ACCORD_READ_WAIT_MS: the longest a query with ?after= waits for its read model. */
  readonly readWaitMs: number;
  /** ACCORD_PROJECTION_BATCH: events per read-model transaction while catching up. */
  readonly projectionBatch: number;
  /** ACCORD_READ_MODEL: where read models live when the store is KurrentDB (sqlite:… or postgres://…). */
  readonly readModelUrl: string | undefined;
  /** ACCORD_IDEMPOTENCY_LEASE_MS: how long a request's claim on an Idempotency-Key holds before another may take it over. */
  readonly idempotencyLeaseMs: number;
  /** ACCORD_CORS_ORIGINS: the browser origins allowed to call the API (CORS); none by default. */
  readonly corsOrigins: readonly string[];
  /** ACCORD_RATE_LIMIT: each API key's budget of requests (each IP's, without a valid key); absent: no limit. */
  readonly rateLimit?: RateLimit;
  /** ACCORD_LOG_KEY: the operator's checkpoint signing key; without it a first start generates one and keeps it in the database. */
  readonly logKey: string | undefined;
  /** ACCORD_CHECKPOINT_EVERY: a checkpoint is signed once the tree has grown this many events past the last one. */
  readonly checkpointEvery: number;
  /** ACCORD_CHECKPOINT_INTERVAL_MS: and at least this often while the tree grows. */
  readonly checkpointIntervalMs: number;
  /** ACCORD_EVIDENCE_MAX_BYTES: the largest evidence file POST /evidence takes (20 MiB when absent). */
  readonly evidenceMaxBytes?: number;
  /** ACCORD_PDF_THREADS: worker threads that draw PDFs (1 when absent; 0 draws them on the event loop). */
  readonly pdfThreads?: number;
  /** ACCORD_WEBHOOK_*: delivery of webhook subscriptions (read from the environment when absent). */
  readonly webhooks?: WebhookSettings;
  /** ACCORD_METRICS_TOKEN, ACCORD_METRICS_PORT, OTEL_*: metrics and traces (observability/); off when absent. */
  readonly observability?: ObservabilityConfig;
  /** ACCORD_SSE_HEARTBEAT_MS, ACCORD_SSE_MAX_BUFFER_BYTES, ACCORD_SSE_MAX_STREAMS_PER_KEY: the live feed (live/live-feed.ts); defaults when absent. */
  readonly liveFeed?: LiveFeedConfig;
}

export interface LiveFeedConfig {
  readonly heartbeatMs: number;
  readonly maxBufferBytes: number;
  readonly maxStreamsPerKey: number;
}

/** How /metrics is served and where traces go (decision 0035). */
export interface ObservabilityConfig {
  /** ACCORD_METRICS_TOKEN: GET /metrics on the API's port with this bearer token; without it (and a port) /metrics is 404. */
  readonly metricsToken?: string;
  /** ACCORD_METRICS_PORT: a port of its own serving only GET /metrics, without authentication (a private network). */
  readonly metricsPort?: number;
  /** OTEL_EXPORTER_OTLP_ENDPOINT: traces are exported there (OTLP over HTTP); tracing is off without it. */
  readonly otlpEndpoint?: string;
  /** OTEL_SERVICE_NAME: the traces' service.name (accord by default). */
  readonly serviceName?: string;
}

/** A budget of `max` requests per window of `windowMs`, for each API key (and each IP without one). */
export interface RateLimit {
  readonly max: number;
  readonly windowMs: number;
  /** The window in words, for messages: "minute". */
  readonly per: 'second' | 'minute' | 'hour';
}

const RATE_LIMIT_WINDOWS: Record<string, RateLimit['per']> = {
  s: 'second',
  sec: 'second',
  second: 'second',
  m: 'minute',
  min: 'minute',
  minute: 'minute',
  h: 'hour',
  hour: 'hour',
};
const WINDOW_MS: Record<RateLimit['per'], number> = { second: 1_000, minute: 60_000, hour: 3_600_000 };
export const MAX_RATE_LIMIT = 1_000_000;

/**
 * ACCORD_RATE_LIMIT: `off` (or unset), or requests per second, minute or hour: `120/min`,
 * `10/s`, `5000/h` (also `/second`, `/minute`, `/hour`); a bare `120` is per minute.
 */
export function parseRateLimit(value: string | undefined): RateLimit | undefined {
  const text = (value ?? '').trim().toLowerCase();
  if (text === '' || text === 'off') return undefined;
  const match = /^(\d{1,7})\s*(?:\/\s*([a-z]+))?$/.exec(text);
  const per = match && (match[2] === undefined ? 'minute' : RATE_LIMIT_WINDOWS[match[2]]);
  const max = match ? Number(match[1]) : NaN;
  if (!per || max < 1 || max > MAX_RATE_LIMIT) {
    throw new ConfigError(
      `ACCORD_RATE_LIMIT must be off or requests per second, minute or hour from 1 to ${MAX_RATE_LIMIT}, ` +
        `such as 120/min, 10/s or 5000/h (a bare 120 is per minute); not "${value}"`,
    );
  }
  return { max, windowMs: WINDOW_MS[per], per };
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function readApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const port = env.PORT === undefined || env.PORT === '' ? 3000 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT must be a port number (0-65535), not "${env.PORT}"`);
  }
  const logLevel = env.LOG_LEVEL || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; not "${logLevel}"`);
  }
  if (env.ACCORD_ADMIN_KEY && env.ACCORD_ADMIN_KEY.length < 16) {
    throw new ConfigError('ACCORD_ADMIN_KEY must be at least 16 characters');
  }
  const workers = (env.ACCORD_WORKERS || 'on').toLowerCase();
  if (!['on', 'off'].includes(workers))
    throw new ConfigError(`ACCORD_WORKERS must be on or off, not "${env.ACCORD_WORKERS}"`);
  const deadlineCheckMs = env.ACCORD_DEADLINE_CHECK_MS ? Number(env.ACCORD_DEADLINE_CHECK_MS) : 60_000;
  if (!Number.isInteger(deadlineCheckMs) || deadlineCheckMs < 100) {
    throw new ConfigError(
      `ACCORD_DEADLINE_CHECK_MS must be an integer of at least 100, not "${env.ACCORD_DEADLINE_CHECK_MS}"`,
    );
  }
  const readWaitMs = env.ACCORD_READ_WAIT_MS ? Number(env.ACCORD_READ_WAIT_MS) : 5_000;
  if (!Number.isInteger(readWaitMs) || readWaitMs < 0 || readWaitMs > 60_000) {
    throw new ConfigError(`ACCORD_READ_WAIT_MS must be an integer from 0 to 60000, not "${env.ACCORD_READ_WAIT_MS}"`);
  }
  const projectionBatch = env.ACCORD_PROJECTION_BATCH ? Number(env.ACCORD_PROJECTION_BATCH) : 2_000;
  if (!Number.isInteger(projectionBatch) || projectionBatch < 1 || projectionBatch > 100_000) {
    throw new ConfigError(
      `ACCORD_PROJECTION_BATCH must be an integer from 1 to 100000, not "${env.ACCORD_PROJECTION_BATCH}"`,
    );
  }
  const idempotencyLeaseMs = env.ACCORD_IDEMPOTENCY_LEASE_MS ? Number(env.ACCORD_IDEMPOTENCY_LEASE_MS) : 5_000;
  if (!Number.isInteger(idempotencyLeaseMs) || idempotencyLeaseMs < 100 || idempotencyLeaseMs > 600_000) {
    throw new ConfigError(
      `ACCORD_IDEMPOTENCY_LEASE_MS must be an integer from 100 to 600000, not "${env.ACCORD_IDEMPOTENCY_LEASE_MS}"`,
    );
  }
  const corsOrigins = (env.ACCORD_CORS_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of corsOrigins) {
    if (!isOrigin(origin)) {
      throw new ConfigError(
        `ACCORD_CORS_ORIGINS must list origins such as https://console.example.org, comma-separated; "${origin}" is not one`,
      );
    }
  }
  const rateLimit = parseRateLimit(env.ACCORD_RATE_LIMIT);
  const checkpointEvery = env.ACCORD_CHECKPOINT_EVERY ? Number(env.ACCORD_CHECKPOINT_EVERY) : 1_000;
  if (!Number.isInteger(checkpointEvery) || checkpointEvery < 1 || checkpointEvery > 10_000_000) {
    throw new ConfigError(
      `ACCORD_CHECKPOINT_EVERY must be an integer from 1 to 10000000 (events), not "${env.ACCORD_CHECKPOINT_EVERY}"`,
    );
  }
  const checkpointIntervalMs = env.ACCORD_CHECKPOINT_INTERVAL_MS ? Number(env.ACCORD_CHECKPOINT_INTERVAL_MS) : 60_000;
  if (!Number.isInteger(checkpointIntervalMs) || checkpointIntervalMs < 100 || checkpointIntervalMs > 86_400_000) {
    throw new ConfigError(
      `ACCORD_CHECKPOINT_INTERVAL_MS must be an integer from 100 to 86400000, not "${env.ACCORD_CHECKPOINT_INTERVAL_MS}"`,
    );
  }
  const evidenceMaxBytes = env.ACCORD_EVIDENCE_MAX_BYTES ? Number(env.ACCORD_EVIDENCE_MAX_BYTES) : 20 * 1024 * 1024;
  if (!Number.isSafeInteger(evidenceMaxBytes) || evidenceMaxBytes < 1 || evidenceMaxBytes > 1024 ** 3) {
    throw new ConfigError(
      `ACCORD_EVIDENCE_MAX_BYTES must be an integer from 1 to 1073741824 (bytes), not "${env.ACCORD_EVIDENCE_MAX_BYTES}"`,
    );
  }
  const pdfThreads = env.ACCORD_PDF_THREADS ? Number(env.ACCORD_PDF_THREADS) : 1;
  if (!Number.isInteger(pdfThreads) || pdfThreads < 0 || pdfThreads > 16) {
    throw new ConfigError(`ACCORD_PDF_THREADS must be an integer from 0 to 16, not "${env.ACCORD_PDF_THREADS}"`);
  }
  const observability = readObservability(env);
  const webhooks = readWebhookSettings(env, (message) => new ConfigError(message));
  const liveFeed = {
    heartbeatMs: integerEnv(env, 'ACCORD_SSE_HEARTBEAT_MS', 15_000, 100, 3_600_000),
    maxBufferBytes: integerEnv(env, 'ACCORD_SSE_MAX_BUFFER_BYTES', 1024 * 1024, 1024, 1024 ** 3),
    maxStreamsPerKey: integerEnv(env, 'ACCORD_SSE_MAX_STREAMS_PER_KEY', 10, 1, 10_000),
  };
  return {
    evidenceMaxBytes,
    liveFeed,
    pdfThreads,
    webhooks,
    storeUrl: env.ACCORD_STORE || DEFAULT_STORE_URL,
    port,
    host: env.HOST || '0.0.0.0',
    logLevel,
    adminKey: env.ACCORD_ADMIN_KEY || undefined,
    workers: workers === 'on',
    deadlineCheckMs,
    readWaitMs,
    projectionBatch,
    readModelUrl: env.ACCORD_READ_MODEL || undefined,
    idempotencyLeaseMs,
    corsOrigins,
    ...(rateLimit ? { rateLimit } : {}),
    logKey: env.ACCORD_LOG_KEY || undefined,
    checkpointEvery,
    checkpointIntervalMs,
    ...(observability ? { observability } : {}),
  };
}

/** ACCORD_METRICS_TOKEN (16 characters or more), ACCORD_METRICS_PORT (1-65535), OTEL_EXPORTER_OTLP_ENDPOINT (http(s) URL). */
export function readObservability(env: NodeJS.ProcessEnv): ObservabilityConfig | undefined {
  const metricsToken = env.ACCORD_METRICS_TOKEN || undefined;
  if (metricsToken !== undefined && (metricsToken.length < 16 || !/^[\x21-\x7e]+$/.test(metricsToken))) {
    throw new ConfigError('ACCORD_METRICS_TOKEN must be at least 16 visible ASCII characters (no spaces)');
  }
  const port = env.ACCORD_METRICS_PORT ? Number(env.ACCORD_METRICS_PORT) : undefined;
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new ConfigError(`ACCORD_METRICS_PORT must be a port number (1-65535), not "${env.ACCORD_METRICS_PORT}"`);
  }
  const otlpEndpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
  if (otlpEndpoint !== undefined && !/^https?:\/\/[^/\s]+/i.test(otlpEndpoint)) {
    throw new ConfigError(`OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL, not "${otlpEndpoint}"`);
  }
  if (metricsToken === undefined && port === undefined && otlpEndpoint === undefined) return undefined;
  return {
    ...(metricsToken !== undefined ? { metricsToken } : {}),
    ...(port !== undefined ? { metricsPort: port } : {}),
    ...(otlpEndpoint !== undefined ? { otlpEndpoint, serviceName: env.OTEL_SERVICE_NAME || 'accord' } : {}),
  };
}

function integerEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const value = env[name] ? Number(env[name]) : fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, not "${env[name]}"`);
  }
  return value;
}

/** `scheme://host[:port]`, exactly as a browser sends it in Origin: no path, no trailing slash. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}
