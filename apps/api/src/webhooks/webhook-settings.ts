import { ConfigError } from '../infrastructure/api-config';

/** How webhook subscriptions are delivered (ACCORD_WEBHOOK_*; the README's configuration table lists them). */
export interface WebhookSettings {
  /** ACCORD_WEBHOOK_ALLOW_PRIVATE=1: targets on private, loopback and link-local addresses are allowed (tests, labs). */
  readonly allowPrivate: boolean;
  /** ACCORD_WEBHOOK_RETRY_BASE_MS: the first retry waits up to this long (full jitter), doubling each failure. */
  readonly retryBaseMs: number;
  /** ACCORD_WEBHOOK_RETRY_CAP_MS: no retry waits longer than this. */
  readonly retryCapMs: number;
  /** ACCORD_WEBHOOK_TIMEOUT_MS: an attempt that has no answer by then fails. */
  readonly timeoutMs: number;
  /** ACCORD_WEBHOOK_MAX_ATTEMPTS: consecutive failures on one event before the subscription is parked. */
  readonly maxAttempts: number;
  /** ACCORD_WEBHOOK_LEASE_MS: how long the delivering instance's lease holds without renewal. */
  readonly leaseMs: number;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, not "${raw}"`);
  }
  return value;
}

export function readWebhookSettings(env: NodeJS.ProcessEnv = process.env): WebhookSettings {
  const allow = (env.ACCORD_WEBHOOK_ALLOW_PRIVATE ?? '').trim().toLowerCase();
  if (!['', '0', '1', 'true', 'false', 'on', 'off'].includes(allow)) {
    throw new ConfigError(`ACCORD_WEBHOOK_ALLOW_PRIVATE must be 1 or 0, not "${env.ACCORD_WEBHOOK_ALLOW_PRIVATE}"`);
  }
  const retryBaseMs = integer(env, 'ACCORD_WEBHOOK_RETRY_BASE_MS', 1_000, 1, 3_600_000);
  const retryCapMs = integer(env, 'ACCORD_WEBHOOK_RETRY_CAP_MS', 300_000, 1, 86_400_000);
  if (retryCapMs < retryBaseMs) {
    throw new ConfigError(
      `ACCORD_WEBHOOK_RETRY_CAP_MS (${retryCapMs}) must not be below ACCORD_WEBHOOK_RETRY_BASE_MS (${retryBaseMs})`,
    );
  }
  return {
    allowPrivate: ['1', 'true', 'on'].includes(allow),
    retryBaseMs,
    retryCapMs,
    timeoutMs: integer(env, 'ACCORD_WEBHOOK_TIMEOUT_MS', 10_000, 100, 600_000),
    maxAttempts: integer(env, 'ACCORD_WEBHOOK_MAX_ATTEMPTS', 10, 1, 1_000),
    leaseMs: integer(env, 'ACCORD_WEBHOOK_LEASE_MS', 15_000, 1_000, 600_000),
  };
}
