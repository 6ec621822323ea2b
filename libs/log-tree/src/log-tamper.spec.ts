import { randomUUID } from 'node:crypto';
import { verifyLog } from '@accord/audit';
import {
  append,
  progress,
  rewriteWithRecomputedHashes,
  seed,
  type StoreWithTable,
} from '@accord/audit/testing/tamper.suite';
import type { RecordedEvent } from '@accord/event-store';
import { ProjectionRunner } from '@accord/projection-runner';
import { ALGORITHM_COSIGNATURE_V1, formatCheckpoint, generateKey, parseSignerKey, signNote } from '@accord/signed-note';
import type { SqlDb } from '@accord/sql';
import { CheckpointAudit, type CheckpointAuditReport } from './checkpoint-audit';
import { CheckpointStore, type StoredCheckpoint } from './checkpoint-store';
import { toBase64 } from './leaf';
import { logVerifierKeys, openLogIdentity, type LogIdentity } from './log-identity';
import { SqlLogTree } from './sql-log-tree';
import { LOG_TREE, logTreeProjection } from './tree.projection';
import { decideCosignature, pinLog, type WitnessLogState } from './witness';

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresEventTable, sqliteEventTable } from '@accord/audit/testing/event-tables';
import { PostgresEventStore } from '@accord/event-store-postgres';
import {
  describeWithPostgres,
  dropTestSchema,
  testSchemaName,
  TEST_PG_URL,
} from '@accord/event-store-postgres/testing/postgres-test-database';
import { SqliteEventStore } from '@accord/event-store-sqlite';
import { PostgresDb, SqliteDb } from '@accord/sql';

interface TreeTamperSubject extends StoreWithTable {
  /** The SQL database beside the store, where the tree and the checkpoints live. */
  readonly db: SqlDb;
}

/**
 * The tamper cases of issue 16 (point 7) for the tree and its checkpoints: the four of the
 * hash chain (one byte, an event deleted, two swapped, a stream rewritten with recomputed
 * hashes) plus a split view and a log truncated then regrown, each caught by verify (the
 * chain), by an old checkpoint (CheckpointAudit), or by a witness, with the position named.
 */
function describeTreeTamperCases(name: string, open: () => Promise<TreeTamperSubject>): void {
  describe(`the log tree and its checkpoints against tampering (${name})`, () => {
    let subject: TreeTamperSubject;
    let runner: ProjectionRunner;
    let identity: LogIdentity;
    let checkpoints: CheckpointStore;
    let log: RecordedEvent[];
    let first: StoredCheckpoint;
    let second: StoredCheckpoint;

    const readAll = async (): Promise<RecordedEvent[]> => {
      const all: RecordedEvent[] = [];
      for (let after = 0; ;) {
        const page = await subject.store.readAll({ after, maxCount: 100 });
        if (page.length === 0) return all;
        all.push(...page);
        after = page.at(-1)!.position;
      }
    };
    const tree = async () => new SqlLogTree(subject.db, await runner.tables(LOG_TREE));
    const grown = async () => {
      const events = await readAll();
      expect(await runner.waitFor(LOG_TREE, events.at(-1)!.position, 20_000)).toBe(true);
    };
    /** What the operator signs: the head of the tree as it stands. */
    const sign = async () => checkpoints.record(identity.origin, identity.signer, await (await tree()).head());
    /** The log held to every kept checkpoint, the stored tree at hand (`withTree`) or not. */
    const audit = async (withTree = true, kept?: StoredCheckpoint[]): Promise<CheckpointAuditReport> => {
      const check = new CheckpointAudit(
        kept ?? (await checkpoints.all()),
        { origin: identity.origin, verifierKeys: await logVerifierKeys(subject.db) },
        (after, maxCount) => subject.store.readAll({ after, maxCount }),
        withTree ? await tree() : undefined,
      );
      for (const event of await readAll()) check.add(event);
      return check.finish();
    };
    const commitments = () => {
      const streams = new Map<string, RecordedEvent[]>();
      for (const event of log) streams.set(event.streamId, [...(streams.get(event.streamId) ?? []), event]);
      return [...streams.values()].filter((s) => s[0].streamId.startsWith('commitment-'));
    };
    const leafOf = (event: RecordedEvent) => log.findIndex((e) => e.id === event.id);
    /** Rewrites a stream with recomputed hashes, the public recipe: its chain holds. */
    const rewriteStream = (stream: RecordedEvent[]) => rewriteWithRecomputedHashes(subject.table, stream);

    beforeEach(async () => {
      subject = await open();
      log = await seed(subject.store);
      runner = new ProjectionRunner(subject.store, subject.db, [logTreeProjection], { batchSize: 3 });
      await runner.start();
      await grown();
      identity = await openLogIdentity(subject.db);
      checkpoints = new CheckpointStore(subject.db);
      first = await sign();
      const stream = commitments()[0];
      await append(subject.store, stream[0].streamId, stream.length, [
        progress(stream[0].streamId, 96),
        progress(stream[0].streamId, 97),
        progress(stream[0].streamId, 98),
        progress(stream[0].streamId, 99),
      ]);
      log = await readAll();
      await grown();
      second = await sign();
      expect([first.treeSize, second.treeSize]).toEqual([16, 20]);
    });
    afterEach(async () => {
      await runner.stop();
      await subject.dispose();
    });

    it('holds an untouched log to every checkpoint', async () => {
      expect(await audit()).toEqual({ checked: 2, held: 2, findings: [] });
      expect((await verifyLog(subject.store)).intact).toBe(true);
    });

    it('(a) one byte changed: the chain names it, and the checkpoints name the same event', async () => {
      const target = commitments()[1][2];
      const row = await subject.table.row(target.position);
      await subject.table.update(target.position, { data: row.data.replace('"At ', '"Au ') });
      expect((await verifyLog(subject.store)).brokenLink).toMatchObject({
        problem: 'hash-mismatch',
        position: target.position,
      });
      const report = await audit();
      expect(report.held).toBe(0);
      expect(report.findings[0]).toMatchObject({
        treeSize: 16,
        problem: 'root-mismatch',
        rewritten: { leaf: leafOf(target), position: target.position, streamId: target.streamId, revision: 2 },
      });
      expect(report.findings[1]).toMatchObject({ treeSize: 20, problem: 'root-mismatch' });
    });

    it('(b) an event deleted: the chain sees the gap, the checkpoints the first leaf that moved', async () => {
      const stream = commitments()[0];
      const deleted = stream[1];
      const next = log[leafOf(deleted) + 1];
      await subject.table.delete(deleted.position);
      expect((await verifyLog(subject.store)).brokenLink).toMatchObject({
        problem: 'revision-gap',
        streamId: deleted.streamId,
      });
      expect((await audit()).findings[0]).toMatchObject({
        treeSize: 16,
        rewritten: { leaf: leafOf(deleted), position: next.position, eventId: next.id },
      });
    });

    it('(c) two events swapped: both catch it at the earlier one', async () => {
      const [one, two] = commitments();
      const a = one[3];
      const b = two[3];
      const earlier = a.position < b.position ? a : b;
      const rowA = await subject.table.row(a.position);
      const rowB = await subject.table.row(b.position);
      await subject.table.update(a.position, { data: rowB.data });
      await subject.table.update(b.position, { data: rowA.data });
      expect((await verifyLog(subject.store)).brokenLink).toMatchObject({
        problem: 'hash-mismatch',
        position: earlier.position,
      });
      expect((await audit()).findings[0]).toMatchObject({ rewritten: { position: earlier.position } });
    });

    it('(d) a stream rewritten with recomputed hashes: the chain holds, the checkpoints name its first event', async () => {
      const stream = commitments()[2];
      await rewriteStream(stream);
      expect((await verifyLog(subject.store)).intact).toBe(true);
      const exact = await audit();
      expect(exact.findings[0]).toMatchObject({
        treeSize: 16,
        problem: 'root-mismatch',
        rewritten: { leaf: leafOf(stream[0]), position: stream[0].position, streamId: stream[0].streamId, revision: 0 },
      });
      // The forger rebuilds the tree too: what is signed still bounds the rewrite, here to the
      // first checkpoint (16 leaves, one signed subtree), and names the streams in it.
      await runner.rebuild(LOG_TREE);
      const bounded = await audit();
      const finding = bounded.findings[0];
      expect(finding).toMatchObject({ treeSize: 16, problem: 'root-mismatch' });
      expect(finding.rewritten).toBeUndefined();
      expect(finding.range).toMatchObject({ begin: 0, end: 16 });
      expect(finding.range!.streams).toContain(stream[0].streamId);
      // The second checkpoint's edge narrows what it adds: its last four leaves still hold.
      expect(bounded.findings[1]).toMatchObject({ treeSize: 20, problem: 'root-mismatch' });
    });

    it('(e) a split view: a witness that cosigned one tree refuses another of the same size, with both roots', async () => {
      const witness = generateKey('ma.witness.example', ALGORITHM_COSIGNATURE_V1);
      let state: WitnessLogState = pinLog(identity.verifierKey, { from: 'given', at: '2027-01-01T00:00:00Z' });
      const now = Math.floor(Date.now() / 1000);
      const cosigned = decideCosignature({ state, note: second.note, signerKey: witness.signerKey, now });
      expect(cosigned.kind).toBe('cosign');
      if (cosigned.kind !== 'cosign') return;
      state = cosigned.state;

      // The operator's database is rewritten, the tree rebuilt over it, and the same size signed again.
      await rewriteStream(commitments()[1]);
      await runner.rebuild(LOG_TREE);
      const head = await (await tree()).head();
      expect(head.size).toBe(second.treeSize);
      expect(toBase64(head.root)).not.toBe(toBase64(second.rootHash));
      const other = await checkpoints.record(identity.origin, identity.signer, head).catch(() => undefined);
      // The kept row wins (one checkpoint per size), so the fork is signed by hand, as a dishonest operator would.
      expect(other?.note).toBe(second.note);
      const forked = signNote(
        formatCheckpoint({ origin: identity.origin, size: head.size, rootHash: head.root, extensions: [] }),
        [identity.signer],
      );
      const refused = decideCosignature({ state, note: forked, signerKey: witness.signerKey, now: now + 1 });
      expect(refused.kind).toBe('refuse');
      if (refused.kind !== 'refuse') return;
      expect(refused.refusal).toMatchObject({
        reason: 'fork',
        blame: 'log',
        cosigned: { treeSize: 20, rootHash: toBase64(second.rootHash) },
        presented: { treeSize: 20, rootHash: toBase64(head.root) },
      });
      // And the kept checkpoints name the rewritten stream's range on the operator's own database.
      expect((await audit()).findings[0].range!.streams).toContain(commitments()[1][0].streamId);
    });

    it('(f) a log truncated then regrown: the old checkpoint no longer holds, from the first event cut', async () => {
      const cut = log.slice(16);
      for (const event of cut) await subject.table.delete(event.position);
      // Regrown in a new stream (a store may remember the cut stream's revision).
      const regrown = `commitment-${randomUUID()}`;
      await append(
        subject.store,
        regrown,
        0,
        [51, 52, 53, 54, 55].map((p) => progress(regrown, p)),
      );
      // The chain alone: the regrown stream is self-consistent, every link holds.
      expect((await verifyLog(subject.store)).intact).toBe(true);
      await runner.rebuild(LOG_TREE);
      const report = await audit();
      expect(report.held).toBe(1);
      const now = await readAll();
      expect(report.findings).toEqual([
        expect.objectContaining({
          treeSize: 20,
          problem: 'root-mismatch',
          range: { begin: 16, end: 20, streams: [regrown] },
        }),
      ]);
      expect(now[16].position).toBeGreaterThan(0);
      // Cut without regrowing: the checkpoint signed more events than the log has.
      for (const event of now.slice(16)) await subject.table.delete(event.position);
      expect((await audit(false)).findings).toEqual([
        expect.objectContaining({ treeSize: 20, problem: 'log-truncated', range: { begin: 16, end: 20, streams: [] } }),
      ]);
    });

    it('refuses a checkpoint the log key did not sign', async () => {
      const stranger = generateKey(identity.origin);
      const forged: StoredCheckpoint = {
        ...first,
        note: signNote(first.note.slice(0, first.note.indexOf('\n\n') + 1), [parseSignerKey(stranger.signerKey)]),
      };
      const report = await audit(true, [forged, second]);
      expect(report.findings).toEqual([expect.objectContaining({ treeSize: 16, problem: 'signature-invalid' })]);
      expect(report.held).toBe(1);
    });
  });
}

describeTreeTamperCases('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'accord-tree-tamper-'));
  const file = join(dir, 'accord.db');
  const store = await SqliteEventStore.open(file);
  const db = new SqliteDb(file);
  const table = sqliteEventTable(file);
  return {
    store,
    db,
    table,
    async dispose() {
      await table.close();
      await db.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describeWithPostgres('the log tree against tampering on PostgreSQL', () => {
  describeTreeTamperCases('PostgreSQL', async () => {
    const schema = testSchemaName();
    const store = await PostgresEventStore.open(TEST_PG_URL, { schema });
    const db = new PostgresDb(TEST_PG_URL, { schema });
    const table = await postgresEventTable(TEST_PG_URL, schema);
    return {
      store,
      db,
      table,
      async dispose() {
        await table.close();
        await db.close();
        await store.close();
        await dropTestSchema(schema);
      },
    };
  });
});
