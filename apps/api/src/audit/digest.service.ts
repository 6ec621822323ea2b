import { EMPTY_LOG_DIGEST, hashOf, readLogPages, RunningDigest, type LogDigest } from '@accord/audit';
import type { EventStore } from '@accord/event-store';
import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE } from '../infrastructure/event-store.module';
import { inSlices, SLICE_PAGE } from './slices';

/**
 * The running digest of the log (libs/audit/src/log-digest.ts), kept in memory and
 * advanced from where it last stopped, so a request reads only the events appended since
 * the previous one. It digests the hashes the events carry; `accord audit verify` is what
 * checks them against the events. Requests take turns, each starting where the last ended.
 * The first one digests the whole log: as digestLog does, but in slices (slices.ts), so
 * that other requests are answered meanwhile.
 */
@Injectable()
export class DigestService {
  private latest: LogDigest = EMPTY_LOG_DIGEST;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** The digest up to the head of the log as it is now. */
  current(): Promise<LogDigest> {
    const next = this.turn.then(async () => {
      const running = new RunningDigest(this.latest);
      const pages = readLogPages(this.store, { after: running.position, pageSize: SLICE_PAGE });
      for await (const page of inSlices(pages)) {
        for (const event of page) running.add(event.position, hashOf(event));
      }
      this.latest = running.snapshot();
      return this.latest;
    });
    this.turn = next.catch(() => undefined);
    return next;
  }
}
