import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Principal } from '../auth/principal';
import { ProblemException } from '../http/problem';
import { toProblemException } from '../http/problem-mapping';
import type { ApiStateStore } from '../state/api-state.port';

export interface CommandResponse {
  readonly status: number;
  readonly body: unknown;
  readonly etag: string | null;
}

const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Idempotency-Key: the first response to (principal, key) is kept durably and answered to
 * every retry with the same request; the same key on another request is refused (409).
 * Parallel retries in this process wait for the first; across processes, the command id
 * derived from the key makes the repeat a no-op in the stream itself.
 */
export class Idempotency {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly state: ApiStateStore) {}

  static validKey(key: string): boolean {
    return KEY.test(key);
  }

  static requestHash(method: string, path: string, body: unknown): string {
    return createHash('sha256')
      .update(`${method} ${path}\n${canonicalize(body ?? null) ?? ''}`)
      .digest('hex');
  }

  async run(
    principal: Principal,
    key: string,
    requestHash: string,
    execute: () => Promise<CommandResponse>,
  ): Promise<CommandResponse> {
    const slot = `${principal.id}\n${key}`;
    for (;;) {
      const pending = this.inFlight.get(slot);
      if (!pending) break;
      await pending.catch(() => undefined);
    }
    const stored = await this.state.getIdempotency(principal.id, key);
    if (stored) {
      if (stored.requestHash !== requestHash) {
        throw new ProblemException(
          409,
          'IDEMPOTENCY_KEY_REUSED',
          'This Idempotency-Key was first used with another request; use a new key for a new request',
        );
      }
      return { status: stored.status, body: JSON.parse(stored.body), etag: stored.etag };
    }
    const running = this.execute(principal, key, requestHash, execute);
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
    requestHash: string,
    execute: () => Promise<CommandResponse>,
  ): Promise<CommandResponse> {
    let response: CommandResponse;
    try {
      response = await execute();
    } catch (error) {
      const problem = toProblemException(error);
      // Our own failures are not an answer to keep: the retry should try again.
      if (problem.status >= 500) throw error;
      await this.remember(principal, key, requestHash, {
        status: problem.status,
        body: problem.toProblem(),
        etag: null,
      });
      throw error;
    }
    await this.remember(principal, key, requestHash, response);
    return response;
  }

  private remember(principal: Principal, key: string, requestHash: string, response: CommandResponse): Promise<void> {
    return this.state.putIdempotency({
      principalId: principal.id,
      key,
      requestHash,
      status: response.status,
      body: JSON.stringify(response.body),
      etag: response.etag,
      createdAt: new Date().toISOString(),
    });
  }
}
