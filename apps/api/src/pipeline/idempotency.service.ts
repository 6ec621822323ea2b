import { createHash, randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Principal } from '../auth/principal';
import { ProblemException } from '../http/problem';
import { toProblemException } from '../http/problem-mapping';
import type { IdempotencyClaim, IdempotencyClaims } from './idempotency-claims';

export interface CommandResponse {
  readonly status: number;
  readonly body: unknown;
  readonly etag: string | null;
  /** The answer of an earlier request (a kept answer, or a command whose events were already in the stream). */
  readonly replayed?: boolean;
}

const KEY = /^[\x21-\x7e]{1,255}$/;

/** A claim left pending this long by an owner that died (or stalls) may be taken over. */
export const DEFAULT_CLAIM_LEASE_MS = 5_000;

export interface IdempotencyOptions {
  readonly leaseMs?: number;
  /** The clock, in ms since the epoch (tests move it). */
  readonly now?: () => number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Idempotency-Key (decision 0015): before its command runs, a request claims (principal, key)
 * in the database beside the store, with the hash of what it asks (route, target, body). Of
 * any number of requests, in any number of instances, exactly one gets the claim and runs the
 * command; the others wait for its answer. The same key with another request is 409
 * IDEMPOTENCY_KEY_REUSED, whether the first has answered yet or not.
 *
 * The claim's owner may die between its append and its answer: a waiter takes over a claim
 * left pending for `leaseMs` and runs the command again, which the command id derived from the
 * key makes a repeat of the one that landed (the stream holds its events), so it answers the
 * same.
 */
export class Idempotency {
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly leaseMs: number;
  private readonly now: () => number;

  constructor(
    private readonly claims: IdempotencyClaims,
    options: IdempotencyOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? DEFAULT_CLAIM_LEASE_MS;
    this.now = options.now ?? Date.now;
  }

  static validKey(key: string): boolean {
    return KEY.test(key);
  }

  /**
   * What a key is bound to: the route (its pattern, so that an id's case or a query string
   * does not matter), the target it addresses, and the body.
   */
  static requestHash(method: string, route: string, target: string, body: unknown): string {
    return createHash('sha256')
      .update(`${method} ${route}\n${target}\n${canonicalize(body ?? null) ?? ''}`)
      .digest('hex');
  }

  /** `instance` is the URL a refusal's problem names (as the error filter would). */
  async run(
    principal: Principal,
    key: string,
    requestHash: string,
    execute: () => Promise<CommandResponse>,
    instance?: string,
  ): Promise<CommandResponse> {
    const slot = `${principal.id}\n${key}`;
    const owner = randomUUID();
    let backoff = 5;
    for (;;) {
      // Requests of this process wait for one another here, without polling the database.
      const pending = this.inFlight.get(slot);
      if (pending) {
        await pending.catch(() => undefined);
        continue;
      }
      const claimed = await this.claims.claim(principal.id, key, requestHash, owner, this.now());
      if (claimed) return this.runClaimed(slot, principal, key, owner, execute, instance);
      const seen = await this.claims.get(principal.id, key);
      if (!seen) continue; // released by its owner meanwhile: claim again
      if (seen.requestHash !== requestHash) throw reused();
      if (seen.answer) {
        return {
          status: seen.answer.status,
          body: JSON.parse(seen.answer.body),
          etag: seen.answer.etag,
          replayed: true,
        };
      }
      if (this.abandoned(seen) && (await this.claims.takeOver(principal.id, key, seen, owner, this.now()))) {
        return this.runClaimed(slot, principal, key, owner, execute, instance);
      }
      // Another instance runs it: look again soon.
      await sleep(backoff + Math.random() * backoff);
      backoff = Math.min(backoff * 2, 100);
    }
  }

  private abandoned(claim: IdempotencyClaim): boolean {
    return this.now() - claim.claimedAt >= this.leaseMs;
  }

  private async runClaimed(
    slot: string,
    principal: Principal,
    key: string,
    owner: string,
    execute: () => Promise<CommandResponse>,
    instance: string | undefined,
  ): Promise<CommandResponse> {
    const running = this.execute(principal, key, owner, execute, instance);
    this.inFlight.set(slot, running);
    try {
      return await running;
    } finally {
      this.inFlight.delete(slot);
    }
  }

  private async execute(
    principal: Principal,
    key: string,
    owner: string,
    execute: () => Promise<CommandResponse>,
    instance: string | undefined,
  ): Promise<CommandResponse> {
    let response: CommandResponse;
    try {
      response = await execute();
    } catch (error) {
      const problem = toProblemException(error);
      if (problem.status >= 500) {
        // Our own failure is not an answer to keep: the retry should try again.
        await this.claims.release(principal.id, key, owner).catch(() => undefined);
        throw error;
      }
      await this.remember(principal, key, { status: problem.status, body: problem.toProblem(instance), etag: null });
      throw error;
    }
    await this.remember(principal, key, response);
    return response;
  }

  private remember(principal: Principal, key: string, response: CommandResponse): Promise<void> {
    return this.claims.answer(principal.id, key, {
      status: response.status,
      body: JSON.stringify(response.body),
      etag: response.etag,
    });
  }
}

function reused(): ProblemException {
  return new ProblemException(
    409,
    'IDEMPOTENCY_KEY_REUSED',
    'This Idempotency-Key was first used with another request (another route, target or body); use a new key for a new request',
  );
}
