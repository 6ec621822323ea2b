import { randomUUID } from 'node:crypto';
import { InMemoryEventStore, type NewEvent } from '@accord/event-store';
import { BROKEN_LINKS_LISTED } from './broken-link';
import { chainEvents, GENESIS_HASH } from './event-hash';
import { inThisThread, verifyLogInChunks } from './verify-in-chunks';
import { verifyLog } from './verify-log';

/** A stream of `count` events whose stored hashes are all wrong, though each prevHash is right. */
function rehashed(streamId: string, count: number): NewEvent[] {
  const events = Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    type: 'ProgressReported',
    data: { percent: i },
    metadata: { occurredAt: new Date(Date.UTC(2027, 0, 1, 0, i)).toISOString() },
  }));
  return chainEvents(streamId, 0, GENESIS_HASH, events).map((event) => ({
    ...event,
    metadata: { ...event.metadata, hash: 'e'.repeat(64) },
  }));
}

describe('verifyLog lists every broken link, up to a limit', () => {
  it(`lists the first ${BROKEN_LINKS_LISTED} and counts the rest, in this thread and in chunks alike`, async () => {
    const store = new InMemoryEventStore();
    const streamId = `commitment-${randomUUID()}`;
    await store.append(streamId, rehashed(streamId, BROKEN_LINKS_LISTED + 234), { expectedRevision: 'no_stream' });
    const { elapsedMs: _elapsed, ...report } = await verifyLog(store, { pageSize: 97 });
    expect(report).toMatchObject({
      intact: false,
      events: BROKEN_LINKS_LISTED + 234,
      brokenLinkCount: BROKEN_LINKS_LISTED + 234,
    });
    expect(report.brokenLinks).toHaveLength(BROKEN_LINKS_LISTED);
    // One finding an event, each a hash mismatch: every prevHash still names its predecessor's content.
    expect(report.brokenLinks.map((link) => `${link.problem} ${link.revision}`)).toEqual(
      Array.from({ length: BROKEN_LINKS_LISTED }, (_, i) => `hash-mismatch ${i}`),
    );
    // Chunks that each list fewer than the limit, and one chunk that lists only part of what it found.
    for (const chunkSize of [64, 5000]) {
      const { elapsedMs: _e, ...chunked } = await verifyLogInChunks(inThisThread(store, 50), { chunkSize });
      expect(chunked).toEqual(report);
    }
  });
});
