import { hash as sha256 } from 'node:crypto';
import type { EventStore, RecordedEvent } from '@accord/event-store';
import { computeEventHash, GENESIS_HASH } from './event-hash';

/**
 * The running digest of the global log (decision 0004: the chain covers each stream, the
 * digest covers the global order). With h_i the hash of the i-th event in position order
 * (64 lower-case hex characters) and `||` the concatenation of strings:
 *
 *     digest_0 = "0" × 64
 *     digest_n = hex(SHA-256(ASCII(digest_{n-1} || h_n)))
 *
 * so `printf '%s%s' "$previous" "$hash" | sha256sum` computes one step. A digest saved as
 * `{position, count, digest}` is a witness: a log that still starts with the same `count`
 * events in the same order gives the same value, whatever was appended since.
 */
export interface LogDigest {
  /** Position of the last event covered; 0 for the empty log. Store-specific (decision 0002). */
  readonly position: number;
  /** Events covered. The witness is the count: a copy in another store has other positions. */
  readonly count: number;
  readonly digest: string;
}

export const EMPTY_LOG_DIGEST: LogDigest = { position: 0, count: 0, digest: GENESIS_HASH };

/** One step of the running digest. */
export function nextDigest(previous: string, eventHash: string): string {
  return sha256('sha256', previous + eventHash, 'hex');
}

/** h_i: the hash the event carries in `metadata.hash`; its computed hash if it carries none. */
export function hashOf(event: RecordedEvent): string {
  const hash = event.metadata.hash;
  return typeof hash === 'string' ? hash : computeEventHash(event);
}

/** The digest, advanced one event at a time. */
export class RunningDigest {
  position: number;
  count: number;
  digest: string;

  constructor(from: LogDigest = EMPTY_LOG_DIGEST) {
    this.position = from.position;
    this.count = from.count;
    this.digest = from.digest;
  }

  add(position: number, eventHash: string): void {
    this.digest = nextDigest(this.digest, eventHash);
    this.count++;
    this.position = position;
  }

  snapshot(): LogDigest {
    return { position: this.position, count: this.count, digest: this.digest };
  }
}

/**
 * Reads the log after `from.position` and returns the digest advanced to its head. `from`
 * must be a digest of this same store (its position is where reading resumes).
 */
export async function digestLog(
  store: EventStore,
  from: LogDigest = EMPTY_LOG_DIGEST,
  options: { pageSize?: number } = {},
): Promise<LogDigest> {
  const running = new RunningDigest(from);
  const pageSize = options.pageSize ?? 1000;
  for (;;) {
    const page = await store.readAll({ after: running.position, maxCount: pageSize });
    if (page.length === 0) return running.snapshot();
    for (const event of page) running.add(event.position, hashOf(event));
  }
}

export class InvalidDigestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidDigestError';
  }
}

/** Checks a saved witness's shape: `{position, count, digest}` as GET /audit/digest gives it. */
export function parseLogDigest(value: unknown): LogDigest {
  const { position, count, digest } = (value ?? {}) as Record<string, unknown>;
  if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 0) {
    throw new InvalidDigestError('position must be a whole number, 0 or more');
  }
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
    throw new InvalidDigestError('count must be a whole number, 0 or more');
  }
  if (typeof digest !== 'string' || !/^[0-9a-f]{64}$/.test(digest)) {
    throw new InvalidDigestError('digest must be 64 lower-case hexadecimal characters');
  }
  if (count === 0 && digest !== GENESIS_HASH) throw new InvalidDigestError('the digest of no events is 64 zeros');
  return { position, count, digest };
}
