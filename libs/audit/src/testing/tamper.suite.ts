import { randomUUID } from 'node:crypto';
import type { EventStore, NewEvent, RecordedEvent } from '@accord/event-store';
import { chainEvents, computeEventHash, GENESIS_HASH, lastHashOf } from '../event-hash';
import { join } from 'node:path';
import { digestLog, nextDigest, type LogDigest } from '../log-digest';
import { inThisThread, verifyLogInChunks, verifyLogInWorkers } from '../verify-in-chunks';
import { verifyLog, type VerifyLogOptions, type VerifyReport } from '../verify-log';

/** One row of a SQL store's events table, with data and metadata as the JSON text stored. */
export interface RawEventRow {
  readonly position: number;
  readonly streamId: string;
  readonly revision: number;
  readonly id: string;
  readonly data: string;
  readonly metadata: string;
}

/** Direct access to a SQL store's table, around the store: what someone with the database could do. */
export interface EventTable {
  row(position: number): Promise<RawEventRow>;
  update(position: number, changes: { id?: string; data?: string; metadata?: string }): Promise<void>;
  delete(position: number): Promise<void>;
  /** Moves the row at `a` to `b` and the row at `b` to `a`. */
  swapPositions(a: number, b: number): Promise<void>;
}

export interface StoreWithTable {
  readonly store: EventStore;
  readonly table: EventTable;
  /** The store's URL, when worker threads can open it too: then verifyLogInWorkers is checked as well. */
  readonly workerUrl?: string;
  /** Closes the store and removes what the harness created. */
  dispose(): Promise<void>;
}

/**
 * The tamper cases of issue 7, for every SQL store: each test writes a small real log
 * (hash-chained with chainEvents, as the command path does), changes the database
 * behind the store's back, and expects verifyLog to name the first broken link. A
 * stream rewritten with freshly computed hashes verifies on its own; only a digest
 * saved before the rewrite gives it away.
 */
export function describeTamperCases(name: string, open: () => Promise<StoreWithTable>): void {
  describe(`verifyLog against tampering (${name})`, () => {
    let subject: StoreWithTable;
    let log: RecordedEvent[];
    let streams: Map<string, RecordedEvent[]>;

    beforeEach(async () => {
      subject = await open();
      log = await seed(subject.store);
      streams = new Map();
      for (const event of log) streams.set(event.streamId, [...(streams.get(event.streamId) ?? []), event]);
    });
    afterEach(() => subject.dispose());

    const commitments = () => [...streams.values()].filter((s) => s[0].streamId.startsWith('commitment-'));

    /** verifyLog's report, after checking that verifying in chunks (of 1, 4 and 7 positions) agrees with it. */
    const verify = async (options: VerifyLogOptions & { digest?: LogDigest } = {}): Promise<VerifyReport> => {
      const report = await verifyLog(subject.store, options);
      const { elapsedMs: _elapsed, ...expected } = report;
      for (const chunkSize of [1, 4, 7]) {
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
      return report;
    };

    it('finds an untouched log intact, and digests it as the definition says', async () => {
      const report = await verify({ pageSize: 7 });
      expect(report).toMatchObject({ intact: true, events: log.length, streams: streams.size });
      let digest = GENESIS_HASH;
      for (const event of log) digest = nextDigest(digest, String(event.metadata.hash));
      const expected = { position: log.at(-1)!.position, count: log.length, digest };
      expect(report.digest).toEqual(expected);
      expect(await digestLog(subject.store)).toEqual(expected);
      // A digest saved part-way is extended by the rest of the log.
      const part = await digestOfFirst(subject.store, 9);
      expect(await verify({ digest: part })).toMatchObject({
        intact: true,
        savedDigest: { matched: true, positionHere: log[8].position },
      });
    });

    it('(a) catches one byte of one event changed in the database', async () => {
      const target = commitments()[1][2];
      const row = await subject.table.row(target.position);
      const data = row.data.replace('"At ', '"Au ');
      expect(data).not.toBe(row.data);
      await subject.table.update(target.position, { data });
      expect((await verify()).brokenLink).toMatchObject({
        problem: 'hash-mismatch',
        streamId: target.streamId,
        revision: target.revision,
        position: target.position,
        found: target.metadata.hash,
      });
    });

    it('(b) catches an event deleted from the middle of a stream', async () => {
      const stream = commitments()[0];
      await subject.table.delete(stream[1].position);
      expect((await verify()).brokenLink).toMatchObject({
        problem: 'revision-gap',
        streamId: stream[2].streamId,
        revision: 2,
        position: stream[2].position,
        expected: 1,
        found: 2,
      });
    });

    it('(c) catches two events swapped: their data, their ids, or their places in the log', async () => {
      const [first, second] = commitments();
      const a = first[3];
      const b = second[3];
      expect(a.type).toBe(b.type);
      const earlier = a.position < b.position ? a : b;

      const rowA = await subject.table.row(a.position);
      const rowB = await subject.table.row(b.position);
      await subject.table.update(a.position, { data: rowB.data });
      await subject.table.update(b.position, { data: rowA.data });
      expect((await verify()).brokenLink).toMatchObject({
        problem: 'hash-mismatch',
        position: earlier.position,
      });
      await subject.table.update(a.position, { data: rowA.data });
      await subject.table.update(b.position, { data: rowB.data });
      expect((await verify()).intact).toBe(true);

      const placeholder = randomUUID();
      await subject.table.update(a.position, { id: placeholder });
      await subject.table.update(b.position, { id: rowA.id });
      await subject.table.update(a.position, { id: rowB.id });
      expect((await verify()).brokenLink).toMatchObject({
        problem: 'hash-mismatch',
        position: earlier.position,
      });
      await subject.table.update(a.position, { id: placeholder });
      await subject.table.update(b.position, { id: rowB.id });
      await subject.table.update(a.position, { id: rowA.id });

      // Revisions 1 and 3 of one stream trade places in the global log.
      await subject.table.swapPositions(first[1].position, first[3].position);
      expect((await verify()).brokenLink).toMatchObject({
        problem: 'revision-gap',
        streamId: first[0].streamId,
        position: first[1].position,
        expected: 1,
        found: 3,
      });
    });

    it('(d) finds a stream rewritten with fresh hashes self-consistent, and catches it with a saved digest', async () => {
      const saved = await digestLog(subject.store);
      const stream = commitments()[2];
      await rewriteWithRecomputedHashes(subject.table, stream);
      expect((await subject.store.readStream(stream[0].streamId))[0].data).toMatchObject({
        title: 'A quietly different commitment',
      });

      const alone = await verify();
      expect(alone.intact).toBe(true);
      expect(alone.digest.digest).not.toBe(saved.digest);

      const witnessed = await verify({ digest: saved });
      expect(witnessed.intact).toBe(false);
      expect(witnessed.brokenLink).toMatchObject({
        problem: 'digest-mismatch',
        position: log.at(-1)!.position,
        expected: saved.digest,
        found: alone.digest.digest,
      });

      // Events appended after the rewrite do not hide it.
      await append(subject.store, stream[0].streamId, stream.length, [progress(stream[0].streamId, 99)]);
      expect((await verify({ digest: saved })).brokenLink?.problem).toBe('digest-mismatch');
    });

    it('catches a log cut short of a saved digest', async () => {
      const saved = await digestLog(subject.store);
      await subject.table.delete(log.at(-1)!.position);
      const report = await verify({ digest: saved });
      expect(report.brokenLink).toMatchObject({
        problem: 'digest-mismatch',
        expected: log.length,
        found: log.length - 1,
      });
    });
  });
}

/**
 * Rewrites a stream in the database as the public recipe allows: its first event gets another
 * title, and every event of it a hash recomputed over its new content, chained from 64 zeros.
 * The chain holds; only something signed or saved before tells.
 */
export async function rewriteWithRecomputedHashes(
  table: EventTable,
  stream: readonly RecordedEvent[],
  title = 'A quietly different commitment',
): Promise<void> {
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

/** The worker as `npm run build` compiles it (jest's global setup builds before any suite). */
const COMPILED_WORKER = join(__dirname, '..', '..', '..', '..', 'dist', 'libs', 'audit', 'src', 'verify-worker.js');

/** The digest of the first `count` events, as an auditor would have saved it back then. */
async function digestOfFirst(store: EventStore, count: number) {
  const page = await store.readAll({ after: 0, maxCount: count });
  let digest = GENESIS_HASH;
  for (const event of page) digest = nextDigest(digest, String(event.metadata.hash));
  return { position: page.at(-1)!.position, count, digest };
}

const actor = { id: 'integration-ma', role: 'integration', party: 'MA' };
let clock = Date.UTC(2027, 0, 1);

function meta(): Record<string, unknown> {
  clock += 60_000;
  const id = randomUUID();
  return { commandId: id, correlationId: id, causationId: id, actor, occurredAt: new Date(clock).toISOString() };
}

export function progress(streamId: string, percent: number): NewEvent {
  return {
    id: randomUUID(),
    type: 'ProgressReported',
    data: { commitmentId: streamId.slice('commitment-'.length), percent, narrative: `At ${percent}%`, evidence: [] },
    metadata: meta(),
  };
}

export async function append(store: EventStore, streamId: string, nextRevision: number, events: NewEvent[]) {
  const existing = await store.readStream(streamId);
  await store.append(streamId, chainEvents(streamId, nextRevision, lastHashOf(existing), events), {
    expectedRevision: nextRevision === 0 ? 'no_stream' : nextRevision - 1,
  });
}

/** An agreement and three commitments with five events each, interleaved in the global log. */
export async function seed(store: EventStore): Promise<RecordedEvent[]> {
  const agreementId = randomUUID();
  await append(store, `agreement-${agreementId}`, 0, [
    {
      id: randomUUID(),
      type: 'AgreementRegistered',
      data: { agreementId, title: 'Security cooperation', parties: ['MA', 'QA'], domains: ['cybercrime'] },
      metadata: meta(),
    },
  ]);
  const ids = [randomUUID(), randomUUID(), randomUUID()];
  for (const [i, id] of ids.entries()) {
    await append(store, `commitment-${id}`, 0, [
      {
        id: randomUUID(),
        type: 'CommitmentProposed',
        data: {
          commitmentId: id,
          agreementId,
          title: `Joint cybercrime unit ${i}`,
          description: 'Shared investigations',
          domain: 'cybercrime',
          leadAgencies: ['DGSN'],
          dueDate: null,
          priority: 'normal',
          proposingParty: 'MA',
        },
        metadata: meta(),
      },
    ]);
  }
  for (let revision = 1; revision < 5; revision++) {
    for (const id of ids)
      await append(store, `commitment-${id}`, revision, [progress(`commitment-${id}`, revision * 20)]);
  }
  const log: RecordedEvent[] = [];
  for (let after = 0; ;) {
    const page = await store.readAll({ after, maxCount: 100 });
    if (page.length === 0) return log;
    log.push(...page);
    after = page.at(-1)!.position;
  }
}
