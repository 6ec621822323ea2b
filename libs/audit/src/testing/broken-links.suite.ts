import type { RecordedEvent } from '@accord/event-store';
import { join } from 'node:path';
import { computeEventHash, GENESIS_HASH } from '../event-hash';
import { digestLog } from '../log-digest';
import { inThisThread, verifyLogInChunks, verifyLogInWorkers } from '../verify-in-chunks';
import { digestLogRecomputed } from '../verify-hash';
import { verifyLog, type VerifyLogOptions, type VerifyReport } from '../verify-log';
import { seed, type EventTable, type StoreWithTable } from './tamper.suite';

/** The worker as `npm run build` compiles it (jest's global setup builds before any suite). */
const COMPILED_WORKER = join(__dirname, '..', '..', '..', '..', 'dist', 'libs', 'audit', 'src', 'verify-worker.js');

/** Changes one byte of a seeded event's data in the database: "At 40%" becomes "Au 40%", "Joint" "Joins". */
export async function changeOneByte(table: EventTable, event: RecordedEvent): Promise<void> {
  const row = await table.row(event.position);
  const data = row.data.includes('"At ') ? row.data.replace('"At ', '"Au ') : row.data.replace('"Joint ', '"Joins ');
  if (data === row.data) throw new Error(`nothing to change in ${row.data}`);
  await table.update(event.position, { data });
}

/**
 * Rewrites a stream in the database as someone who knows the recipe would: its first event's
 * title changed, and every hash and prevHash recomputed, so that the stream is self-consistent.
 */
export async function rewriteStream(table: EventTable, stream: readonly RecordedEvent[], title: string): Promise<void> {
  let prevHash = GENESIS_HASH;
  for (const event of stream) {
    const row = await table.row(event.position);
    const data = JSON.parse(row.data);
    if (event.revision === 0) data.title = title;
    const { hash: _hash, ...rest } = JSON.parse(row.metadata);
    const metadata = { ...rest, prevHash };
    const hash = computeEventHash({ ...event, data, metadata });
    await table.update(event.position, { data: JSON.stringify(data), metadata: JSON.stringify({ ...metadata, hash }) });
    prevHash = hash;
  }
}

/**
 * Issue 16: verify goes on past a broken link and lists every one, each tampering once,
 * where it shows, in log order; the same list in this thread, in chunks and in worker
 * threads. The log is tamper.suite's seed: an agreement and three commitments of five
 * events, interleaved.
 */
export function describeEveryBrokenLink(name: string, open: () => Promise<StoreWithTable>): void {
  describe(`verifyLog lists every broken link (${name})`, () => {
    let subject: StoreWithTable;
    let log: RecordedEvent[];
    let commitments: RecordedEvent[][];

    beforeEach(async () => {
      subject = await open();
      log = await seed(subject.store);
      const streams = new Map<string, RecordedEvent[]>();
      for (const event of log) streams.set(event.streamId, [...(streams.get(event.streamId) ?? []), event]);
      commitments = [...streams.values()].filter((s) => s[0].streamId.startsWith('commitment-'));
    });
    afterEach(() => subject.dispose());

    /** verifyLog's report, after checking that verifying in chunks and in workers gives the same one. */
    const verify = async (options: VerifyLogOptions = {}): Promise<VerifyReport> => {
      const report = await verifyLog(subject.store, options);
      const { elapsedMs: _elapsed, ...expected } = report;
      // Chunks of 1, 4 and 7 positions put streams' events in other chunks than their predecessors.
      for (const chunkSize of [1, 4, 7, 1000]) {
        const { elapsedMs: _e, ...chunked } = await verifyLogInChunks(inThisThread(subject.store, 3), {
          ...options,
          chunkSize,
        });
        expect(chunked).toEqual(expected);
      }
      if (subject.workerUrl) {
        const { elapsedMs: _w, ...inWorkers } = await verifyLogInWorkers(subject.workerUrl, {
          ...options,
          chunkSize: 4,
          workers: 2,
          script: COMPILED_WORKER,
        });
        expect(inWorkers).toEqual(expected);
      }
      expect(report.brokenLinkCount).toBe(report.brokenLinks.length);
      expect(report.brokenLink).toEqual(report.brokenLinks[0]);
      expect(report.intact).toBe(report.brokenLinks.length === 0);
      return report;
    };
    const at = (event: RecordedEvent) => ({
      streamId: event.streamId,
      revision: event.revision,
      position: event.position,
    });

    it('names two changed events, once each, in log order, and verifies the whole log', async () => {
      const later = commitments[2][3];
      const earlier = commitments[0][1];
      await changeOneByte(subject.table, later);
      await changeOneByte(subject.table, earlier);
      const report = await verify();
      expect(report).toMatchObject({ intact: false, events: log.length, streams: 4, brokenLinkCount: 2 });
      expect(report.brokenLinks).toEqual([
        expect.objectContaining({ problem: 'hash-mismatch', ...at(earlier), found: earlier.metadata.hash }),
        expect.objectContaining({ problem: 'hash-mismatch', ...at(later), found: later.metadata.hash }),
      ]);
      // The digest is over the recomputed hashes: not the stored ones' digest, but what GET /audit/digest answers.
      expect(report.digest).not.toEqual(await digestLog(subject.store));
      expect(report.digest).toEqual(await digestLogRecomputed(subject.store));
    });

    it('names an event whose hash alone was changed once, and a changed prevHash for its content and its link', async () => {
      const rehashed = commitments[1][2];
      const row = await subject.table.row(rehashed.position);
      const forged = 'f'.repeat(64);
      await subject.table.update(rehashed.position, {
        metadata: row.metadata.replace(String(rehashed.metadata.hash), forged),
      });
      const relinked = commitments[2][3];
      const other = await subject.table.row(relinked.position);
      await subject.table.update(relinked.position, {
        metadata: other.metadata.replace(String(relinked.metadata.prevHash), String(commitments[2][1].metadata.hash)),
      });
      const report = await verify();
      // The next event of the rehashed stream still links to it (by its content's hash): no second finding.
      expect(report.brokenLinks).toEqual([
        expect.objectContaining({
          problem: 'hash-mismatch',
          ...at(rehashed),
          expected: rehashed.metadata.hash,
          found: forged,
        }),
        expect.objectContaining({ problem: 'hash-mismatch', ...at(relinked), found: relinked.metadata.hash }),
        expect.objectContaining({
          problem: 'chain-broken',
          ...at(relinked),
          expected: commitments[2][2].metadata.hash,
          found: commitments[2][1].metadata.hash,
        }),
      ]);
    });

    it('names a deletion, a changed byte and (against a saved digest) a rewritten stream, each where it shows', async () => {
      const saved = await digestLog(subject.store);
      const [first, second, third] = commitments;
      await subject.table.delete(first[1].position);
      await changeOneByte(subject.table, second[3]);
      await rewriteStream(subject.table, third, 'A quietly different commitment');

      const alone = await verify();
      expect(alone.brokenLinks).toEqual([
        expect.objectContaining({ problem: 'revision-gap', ...at(first[2]), expected: 1, found: 2 }),
        expect.objectContaining({ problem: 'hash-mismatch', ...at(second[3]) }),
      ]);
      expect(alone.events).toBe(log.length - 1);

      const witnessed = await verify({ digest: saved });
      expect(witnessed.brokenLinks).toEqual([
        ...alone.brokenLinks,
        expect.objectContaining({
          problem: 'digest-mismatch',
          streamId: null,
          expected: log.length,
          found: log.length - 1,
        }),
      ]);
    });

    it('names a revision that comes again or out of order without setting its stream back', async () => {
      const [first] = commitments;
      // Revisions 1 and 3 trade places in the global log: the stream reads 0, 3, 2, 1, 4.
      await subject.table.swapPositions(first[1].position, first[3].position);
      const report = await verify();
      expect(report.brokenLinks).toEqual([
        expect.objectContaining({
          problem: 'revision-gap',
          streamId: first[0].streamId,
          revision: 3,
          position: first[1].position,
          expected: 1,
        }),
        expect.objectContaining({ problem: 'revision-gap', revision: 2, position: first[2].position, expected: 4 }),
        expect.objectContaining({ problem: 'revision-gap', revision: 1, position: first[3].position, expected: 4 }),
      ]);
    });
  });
}
