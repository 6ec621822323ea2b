import { createHash, randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Principal } from '../auth/principal';
import { ProblemException } from '../http/problem';
import { toProblemException } from '../http/problem-mapping';
import type { IdempotencyClaim, IdempotencyClaims, IdempotentAnswer } from './idempotency-claims';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/**
 * A command's answer, as it is sent: the body is its bytes (serialised once), so that a
 * replay sends the very bytes and headers the first answer did (decision 0015).
 */
export interface CommandResponse {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
  readonly etag: string | null;
  /** A 201's Location; null otherwise (and in records kept before locations were). */
  readonly location: string | null;
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
 * IDEMPOTENCY_KEY_REUSED, whether the first has answered yet or not. A refusal (4xx) is an
 * answer too: it is kept, and resolved (not thrown) so that the first request sends the bytes
 * every replay will send.
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

  /** `instance` is the URL a refusal's problem names (as the error filter would). A refusal resolves. */
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
      if (seen.answer) return replayOf(seen.answer);
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
      response = {
        status: problem.status,
        body: JSON.stringify(problem.toProblem(instance)),
        contentType: PROBLEM_CONTENT_TYPE,
        etag: null,
        location: null,
      };
    }
    return this.remember(principal, key, response);
  }

  /**
   * Keeps the answer and returns what to send: this one, or, when another was kept first
   * (this owner stalled past its lease while one that took over ran it too), that one.
   */
  private async remember(principal: Principal, key: string, response: CommandResponse): Promise<CommandResponse> {
    const kept = await this.claims.answer(principal.id, key, {
      status: response.status,
      body: response.body,
      etag: response.etag,
      contentType: response.contentType,
      location: response.location,
    });
    if (kept) return response;
    const first = (await this.claims.get(principal.id, key))?.answer;
    return first ? replayOf(first) : response;
  }
}

/** A kept answer, sent again: its status, bytes and headers (the defaults for records that predate them). */
function replayOf(answer: IdempotentAnswer): CommandResponse {
  return {
    status: answer.status,
    body: answer.body,
    contentType: answer.contentType ?? (answer.status >= 400 ? PROBLEM_CONTENT_TYPE : JSON_CONTENT_TYPE),
    etag: answer.etag,
    location: answer.location,
    replayed: true,
  };
}

function reused(): ProblemException {
  return new ProblemException(
    409,
    'IDEMPOTENCY_KEY_REUSED',
    'This Idempotency-Key was first used with another request (another route, target or body); use a new key for a new request',
  );
}
