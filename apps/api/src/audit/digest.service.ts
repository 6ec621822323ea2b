import { digestLog, EMPTY_LOG_DIGEST, type LogDigest } from '@accord/audit';
import type { EventStore } from '@accord/event-store';
import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE } from '../event-store/event-store.module';

/**
 * The running digest of the log (libs/audit/src/log-digest.ts), kept in memory and
 * advanced from where it last stopped, so a request reads only the events appended since
 * the previous one. It digests the hashes the events carry; `accord audit verify` is what
 * checks them against the events. Requests take turns, each starting where the last ended.
 */
@Injectable()
export class DigestService {
  private latest: LogDigest = EMPTY_LOG_DIGEST;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** The digest up to the head of the log as it is now. */
  current(): Promise<LogDigest> {
    const next = this.turn.then(async () => {
      this.latest = await digestLog(this.store, this.latest);
      return this.latest;
    });
    this.turn = next.catch(() => undefined);
    return next;
  }
}
