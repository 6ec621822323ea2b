import { digestPage, EMPTY_LOG_DIGEST, HashRecomputer, RunningDigest, type LogDigest } from '@accord/audit';
import type { EventStore, RecordedEvent } from '@accord/event-store';
import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE } from '../infrastructure/event-store.module';
import { IntegrityMonitor } from './integrity-monitor';
import { inSlices, SLICE_PAGE } from './slices';

/**
 * The running digest of the log (libs/audit/src/log-digest.ts), kept in memory and
 * advanced from where it last stopped, so a request reads only the events appended since
 * the previous one. Each event counts by its hash recomputed from its content (from the
 * stored text where the store keeps it, decision 0010), never by the hash it carries: an
 * event changed in the database changes the digest, and is recorded in the
 * IntegrityMonitor. Requests take turns, each starting where the last ended. The first one
 * digests the whole log: as digestLogRecomputed does, but in slices (slices.ts), so that
 * other requests are answered meanwhile.
 */
@Injectable()
export class DigestService {
  private latest: LogDigest = EMPTY_LOG_DIGEST;
  private turn: Promise<unknown> = Promise.resolve();
  private readonly recomputer: HashRecomputer;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly integrity: IntegrityMonitor,
  ) {
    this.recomputer = new HashRecomputer(store);
  }

  /** The digest up to the head of the log as it is now. */
  current(): Promise<LogDigest> {
    const next = this.turn.then(async () => {
      const running = new RunningDigest(this.latest);
      for await (const page of inSlices(this.pages(running.position))) {
        digestPage(running, this.recomputer, page, (event, recomputed) => this.mismatch(event, recomputed));
      }
      this.latest = running.snapshot();
      return this.latest;
    });
    this.turn = next.catch(() => undefined);
    return next;
  }

  /** The log after `after`, a page at a time (as readLogPages does, with the stored text). */
  private async *pages(after: number): AsyncGenerator<RecordedEvent[]> {
    for (;;) {
      const page = await this.recomputer.read(this.store, after, SLICE_PAGE);
      if (page.length === 0) return;
      yield page;
      after = page[page.length - 1].position;
    }
  }

  private mismatch(event: RecordedEvent, recomputed: string): void {
    const stored = event.metadata.hash;
    this.integrity.record({
      problem: 'hash-mismatch',
      streamId: event.streamId,
      revision: event.revision,
      position: event.position,
      storedHash: typeof stored === 'string' ? stored : null,
      recomputedHash: recomputed,
      foundBy: 'digest',
    });
  }
}
