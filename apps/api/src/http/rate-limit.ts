import rateLimit, { type FastifyRateLimitStore } from '@fastify/rate-limit';
import { plural } from '@accord/commitments';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { ApiKeys } from '../auth/api-keys.service';
import type { RateLimit } from '../infrastructure/api-config';
import { ProblemException } from './problem';

/** The headers a limited answer carries (CORS exposes them to browsers). */
export const RATE_LIMIT_HEADERS = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'] as const;

/** Routes no budget applies to: the health check that load balancers and probes call. */
const UNLIMITED_ROUTES = new Set(['/health']);

/** Budgets kept per instance, the least recently used dropped first (as many as the API keys' cache holds). */
export const BUDGETS_KEPT = 10_000;

/**
 * The budgets, counted in this process: a fixed window per key from its first request, as the
 * plugin's LocalStore counts them, but answering each request with its own count. LocalStore
 * answers with its live record, so when several requests' keys resolve in one turn (as with
 * an async keyGenerator, which ours is) each reads the count after the others' increments,
 * and all are refused: 12 parallel requests on a budget of 5 got 12 × 429.
 */
export class BudgetStore implements FastifyRateLimitStore {
  private readonly windows = new Map<string, { count: number; startedAt: number }>();

  /** The plugin passes its options, which this store does not need; specs pass a clock. */
  constructor(
    _options?: unknown,
    private readonly now: () => number = Date.now,
  ) {}

  incr(
    key: string,
    callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
    timeWindow: number,
  ): void {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || window.startedAt + timeWindow <= now) window = { count: 0, startedAt: now };
    window.count += 1;
    // Map keeps insertion order: set last, the least recently used key is the first.
    this.windows.delete(key);
    this.windows.set(key, window);
    if (this.windows.size > BUDGETS_KEPT) this.windows.delete(this.windows.keys().next().value!);
    callback(null, { current: window.count, ttl: window.startedAt + timeWindow - now });
  }

  child(): FastifyRateLimitStore {
    return new BudgetStore(undefined, this.now);
  }
}

/** Requests whose budget is their address (no valid API key): the 429 says so. */
const byAddress = new WeakSet<FastifyRequest>();

/**
 * Whose budget a request spends: its API key's (by the key's id, resolved as the auth guard
 * resolves it, from the cache of keys), or, without a valid key, its IP address's. The
 * bearer token itself is only hashed to look the key up, never kept.
 */
async function budgetOf(request: FastifyRequest, keys: ApiKeys): Promise<string> {
  const header = request.headers.authorization;
  const token = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
  if (token !== undefined) {
    const check = await keys.check(token);
    if ('principal' in check) return `key:${check.principal.id}`;
  }
  byAddress.add(request);
  return `ip:${request.ip}`;
}

/**
 * ACCORD_RATE_LIMIT (README, Configuration; decision 0020): with a limit, each API key (each
 * IP address without one) may make `max` requests per window on every route but /health;
 * past it, 429 RATE_LIMITED as problem+json. Every limited answer carries the IETF draft's
 * RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset (the draft-6 fields, the form
 * @fastify/rate-limit writes with `enableDraftSpec`), and a 429 Retry-After. The counts are
 * this instance's: several instances each keep their own. Without a limit, nothing is added.
 */
export async function registerRateLimit(app: NestFastifyApplication, limit: RateLimit | undefined): Promise<void> {
  if (!limit) return;
  const keys = app.get(ApiKeys);
  await app.register(rateLimit, {
    global: true,
    max: limit.max,
    timeWindow: limit.windowMs,
    // Before the body is read: a refused request costs no parsing.
    hook: 'onRequest',
    enableDraftSpec: true,
    store: BudgetStore,
    allowList: (request) => UNLIMITED_ROUTES.has(request.routeOptions.url ?? ''),
    keyGenerator: (request) => budgetOf(request, keys),
    errorResponseBuilder: (request, context) => {
      const whose = byAddress.has(request) ? 'this address (no valid API key)' : 'this API key';
      const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
      return new ProblemException(
        429,
        'RATE_LIMITED',
        `Too many requests: ${whose} may make ${plural(context.max, 'request')} a ${limit.per}; ` +
          `retry in ${plural(seconds, 'second')} (Retry-After)`,
      );
    },
  });
}
