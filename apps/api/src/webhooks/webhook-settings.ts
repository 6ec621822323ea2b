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

type Fail = (message: string) => Error;

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number, fail: Fail): number {
  const raw = env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw fail(`${name} must be an integer from ${min} to ${max}, not "${raw}"`);
  }
  return value;
}

/** The settings from the environment; `fail` makes the error (api-config's ConfigError, without importing it back). */
export function readWebhookSettings(
  env: NodeJS.ProcessEnv = process.env,
  fail: Fail = (message) => new Error(message),
): WebhookSettings {
  const allow = (env.ACCORD_WEBHOOK_ALLOW_PRIVATE ?? '').trim().toLowerCase();
  if (!['', '0', '1', 'true', 'false', 'on', 'off'].includes(allow)) {
    throw fail(`ACCORD_WEBHOOK_ALLOW_PRIVATE must be 1 or 0, not "${env.ACCORD_WEBHOOK_ALLOW_PRIVATE}"`);
  }
  const retryBaseMs = integer(env, 'ACCORD_WEBHOOK_RETRY_BASE_MS', 1_000, 1, 3_600_000, fail);
  const retryCapMs = integer(env, 'ACCORD_WEBHOOK_RETRY_CAP_MS', 300_000, 1, 86_400_000, fail);
  if (retryCapMs < retryBaseMs) {
    throw fail(
      `ACCORD_WEBHOOK_RETRY_CAP_MS (${retryCapMs}) must not be below ACCORD_WEBHOOK_RETRY_BASE_MS (${retryBaseMs})`,
    );
  }
  return {
    allowPrivate: ['1', 'true', 'on'].includes(allow),
    retryBaseMs,
    retryCapMs,
    timeoutMs: integer(env, 'ACCORD_WEBHOOK_TIMEOUT_MS', 10_000, 100, 600_000, fail),
    maxAttempts: integer(env, 'ACCORD_WEBHOOK_MAX_ATTEMPTS', 10, 1, 1_000, fail),
    leaseMs: integer(env, 'ACCORD_WEBHOOK_LEASE_MS', 15_000, 1_000, 600_000, fail),
  };
}
