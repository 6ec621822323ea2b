import { hash as sha256, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalEvent } from '@accord/audit';
import { postgresEventTable, sqliteEventTable } from '@accord/audit/testing/event-tables';
import {
  append,
  progress,
  rewriteWithRecomputedHashes,
  seed,
  type EventTable,
} from '@accord/audit/testing/tamper.suite';
import type { EventStore, RecordedEvent } from '@accord/event-store';
import { PostgresEventStore } from '@accord/event-store-postgres';
import {
  describeWithPostgres,
  dropTestSchema,
  testSchemaName,
  TEST_PG_URL,
} from '@accord/event-store-postgres/testing/postgres-test-database';
import { SqliteEventStore } from '@accord/event-store-sqlite';
import { verifyConsistency } from '@accord/merkle';
import { ProjectionRunner, type Tables } from '@accord/projection-runner';
import {
  ALGORITHM_COSIGNATURE_V1,
  formatCheckpoint,
  generateKey,
  hexKeyId,
  parseNote,
  parseSignerKey,
  signatureLine,
  signNote,
} from '@accord/signed-note';
import { PostgresDb, SqliteDb, type SqlDb } from '@accord/sql';
import { formatEventLine, verifyBundle, writeBundle, type BundleReport, type VerifyBundleOptions } from './bundle';
import { CheckpointStore, type StoredCheckpoint } from './checkpoint-store';
import { proveConsistency, proveInclusion, verifyEventProof, type InclusionProofFile } from './event-proof';
import { toBase64 } from './leaf';
import { openLogIdentity, type LogIdentity } from './log-identity';
import { signedCheckpointOf } from './signed-checkpoint-of';
import { SqlLogTree } from './sql-log-tree';
import { LogTreeError } from './tree-errors';
import { LOG_TREE, logTreeProjection } from './tree.projection';
import { registerWitness } from './witnesses';

/** The compiled worker (jest's global setup builds dist/): verify-bundle's worker threads run it. */
const WORKER = join(__dirname, '..', '..', '..', 'dist', 'libs', 'log-tree', 'src', 'bundle-worker.js');
const COSIGNED_AT = 1_800_000_000;

interface Subject {
  readonly store: EventStore;
  readonly db: SqlDb;
  readonly table: EventTable & { close(): Promise<void> };
  close(): Promise<void>;
}

/** A bundle's lines, changed by `change`, written beside it. */
function changed(file: string, name: string, change: (lines: string[]) => string[]): string {
  const lines = readFileSync(file, 'utf8').split('\n').slice(0, -1);
  const out = `${file}.${name}`;
  writeFileSync(out, `${change(lines).join('\n')}\n`);
  return out;
}

interface EventLine {
  position: number;
  recordedAt: string;
  hash: string | null;
  leaf: string | null;
  event: RecordedEvent;
}
const parsed = (line: string) => JSON.parse(line) as EventLine;

function bundleSuite(name: string, open: () => Promise<Subject>) {
  describe(`audit bundles and event proofs on ${name}`, () => {
    let subject: Subject;
    let runner: ProjectionRunner;
    let identity: LogIdentity;
    let checkpoints: CheckpointStore;
    let tables: Tables;
    let log: RecordedEvent[];
    let checkpoint: StoredCheckpoint;
    let dir: string;
    const ma = generateKey('ma-witness', ALGORITHM_COSIGNATURE_V1);
    const qa = generateKey('qa-witness', ALGORITHM_COSIGNATURE_V1);

    const readAll = async () => {
      const all: RecordedEvent[] = [];
      for (let after = 0; ;) {
        const page = await subject.store.readAll({ after, maxCount: 100 });
        if (page.length === 0) return all;
        all.push(...page);
        after = page.at(-1)!.position;
      }
    };
    const grown = async () => {
      log = await readAll();
      expect(await runner.waitFor(LOG_TREE, log.at(-1)!.position, 20_000)).toBe(true);
    };
    const sign = async () =>
      checkpoints.record(identity.origin, identity.signer, await new SqlLogTree(subject.db, tables).head());
    const cosign = async (cp: StoredCheckpoint, key: { signerKey: string }, party: string) => {
      const signer = parseSignerKey(key.signerKey, { now: () => COSIGNED_AT });
      await checkpoints.addCosignature({
        treeSize: cp.treeSize,
        witness: signer.name,
        keyId: hexKeyId(signer.keyId),
        party,
        timestamp: COSIGNED_AT,
        line: signatureLine(parseNote(cp.note).text, signer),
        receivedAt: new Date().toISOString(),
      });
    };
    const source = () => ({ store: subject.store, db: subject.db, tables });
    const bundle = async () => {
      const file = join(dir, `bundle-${Math.random().toString(36).slice(2)}.ndjson`);
      await writeBundle(file, source());
      return file;
    };
    const verify = (file: string, options: VerifyBundleOptions = {}) =>
      verifyBundle(file, { logKey: identity.verifierKey, workers: 0, ...options });
    const streamOf = (prefix: string) => {
      const events = log.filter((e) => e.streamId.startsWith(prefix));
      return log.filter((e) => e.streamId === events[0].streamId);
    };
    const lineOf = (event: RecordedEvent) => log.findIndex((e) => e.id === event.id) + 2;

    beforeEach(async () => {
      subject = await open();
      dir = mkdtempSync(join(tmpdir(), 'accord-bundle-'));
      const seeded = await seed(subject.store);
      const now = '2026-12-02T10:00:00.000Z';
      await registerWitness(
        subject.store,
        { party: 'MA', verifierKey: ma.verifierKey },
        { actor: { id: 'admin' }, now },
      );
      await registerWitness(
        subject.store,
        { party: 'QA', verifierKey: qa.verifierKey },
        { actor: { id: 'admin' }, now },
      );
      // Three more reports on each commitment, interleaved: streams cross every chunk boundary.
      const commitments = [...new Set(seeded.map((e) => e.streamId))].filter((s) => s.startsWith('commitment-'));
      for (let round = 0; round < 3; round++)
        for (const streamId of commitments)
          await append(subject.store, streamId, 5 + round, [progress(streamId, 60 + 10 * round)]);
      // Text JSON must escape, and text outside ASCII: the scanner's careful path.
      await append(subject.store, 'note-1', 0, [
        {
          id: randomUUID(),
          type: 'Noted',
          data: { text: 'é "quoted" \\ tab\t control\u0001 astral 😀', list: [1.5, -2e-7, true, null, {}] },
          metadata: { occurredAt: now, 'odd key': 'x\u2028y' },
        },
      ]);
      runner = new ProjectionRunner(subject.store, subject.db, [logTreeProjection], { batchSize: 7 });
      await runner.start();
      await grown();
      tables = await runner.tables(LOG_TREE);
      identity = await openLogIdentity(subject.db);
      checkpoints = new CheckpointStore(subject.db);
      checkpoint = await sign();
      await cosign(checkpoint, ma, 'MA');
    });
    afterEach(async () => {
      await runner?.stop();
      await subject.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('writes one file that verifies with no database: every chain, the root, the signature and who cosigned', async () => {
      const file = await bundle();
      const lines = readFileSync(file, 'utf8').split('\n');
      expect(lines.at(-1)).toBe('');
      const header = JSON.parse(lines[0]);
      expect(header).toMatchObject({
        format: 'accord.audit-bundle/v1',
        origin: identity.origin,
        logKeys: [identity.verifierKey],
        treeSize: log.length,
        position: log.at(-1)!.position,
        witnesses: [
          { party: 'MA', name: 'ma-witness', verifierKey: ma.verifierKey },
          { party: 'QA', name: 'qa-witness', verifierKey: qa.verifierKey },
        ],
      });
      expect(header.checkpoint).toContain('\n— ma-witness ');
      expect(lines.length - 2).toBe(log.length);
      // Each line holds the event as stored: its leaf input verbatim, the hash beside it.
      for (const [i, event] of log.entries()) {
        const line = parsed(lines[i + 1]);
        expect(line.position).toBe(event.position);
        expect(line.recordedAt).toBe(event.recordedAt);
        expect(line.hash).toBe(event.metadata.hash);
        const { hash: _hash, ...metadata } = event.metadata;
        expect(line.event).toEqual({
          streamId: event.streamId,
          revision: event.revision,
          id: event.id,
          type: event.type,
          schemaVersion: event.schemaVersion,
          data: event.data,
          metadata,
        });
        expect(lines[i + 1]).toContain(`"event":${canonicalEvent(event)}}`);
      }

      const expected = {
        intact: true,
        events: log.length,
        streams: new Set(log.map((e) => e.streamId)).size,
        root: toBase64(checkpoint.rootHash),
        checkpoint: { treeSize: log.length, root: toBase64(checkpoint.rootHash), rootMatches: true },
        signature: { ok: true, keyPinned: true },
        cosignedBy: [
          {
            party: 'MA',
            witness: 'ma-witness',
            cosignedAt: new Date(COSIGNED_AT * 1000).toISOString(),
            registeredInLog: true,
          },
        ],
        parties: { cosigned: ['MA'], notCosigned: ['QA'] },
        witnessProblems: [],
        brokenLinks: [],
        brokenLinkCount: 0,
        warnings: [],
      };
      // One chunk, many small chunks (streams linked across them), and worker threads: one report.
      for (const options of [{}, { chunkLines: 4 }, { chunkLines: 2, workers: 2, script: WORKER }]) {
        const report = await verify(file, options);
        expect({ options, report }).toMatchObject({ options, report: expected });
      }
      // The bundle's own key proves only that the bundle agrees with itself, and the report says so.
      const unpinned = await verifyBundle(file, { workers: 0 });
      expect(unpinned.intact).toBe(true);
      expect(unpinned.signature.keyPinned).toBe(false);
      expect(unpinned.warnings).toEqual([
        expect.stringMatching(/NOT pinned.*proves only that the bundle agrees with itself/),
      ]);
    });

    describe('names what was changed in the file', () => {
      const problems = (report: BundleReport) =>
        report.brokenLinks.map(({ problem, line, streamId, position }) => ({ problem, line, streamId, position }));
      const bothWays = async (file: string) => {
        const [one, small] = [await verify(file), await verify(file, { chunkLines: 4 })];
        expect(problems(small)).toEqual(problems(one));
        expect(one.intact).toBe(false);
        return one;
      };

      it('one byte of an event', async () => {
        const target = streamOf('commitment-')[6];
        const file = changed(await bundle(), 'byte', (lines) =>
          lines.map((l, i) =>
            i === lineOf(target) - 1
              ? l.replace(/"narrative":"At (\d)/, (_, d: string) => `"narrative":"At ${d === '9' ? 8 : 9}`)
              : l,
          ),
        );
        const report = await bothWays(file);
        const at = { streamId: target.streamId, position: target.position, line: lineOf(target) };
        expect(problems(report)).toEqual([
          { problem: 'hash-mismatch', ...at },
          { problem: 'leaf-mismatch', ...at },
          { problem: 'root-mismatch', line: null, streamId: null, position: null },
        ]);
        expect(report.treeLeaves).toEqual({ differing: 1, confirmed: true });
        expect(report.brokenLinks[1].detail).toMatch(/changed after it was logged/);
      });

      it('a stored hash changed: one finding, the next event still links to the hash recomputed', async () => {
        const stream = streamOf('commitment-');
        const file = changed(await bundle(), 'hash', (lines) =>
          lines.map((l, i) =>
            i === lineOf(stream[2]) - 1
              ? l.replace(/"hash":"(.)/, (_, c: string) => `"hash":"${c === 'a' ? 'b' : 'a'}`)
              : l,
          ),
        );
        const report = await bothWays(file);
        // The leaf covers the event, not its hash: the tree still holds it.
        expect(problems(report)).toEqual([
          {
            problem: 'hash-mismatch',
            line: lineOf(stream[2]),
            streamId: stream[2].streamId,
            position: stream[2].position,
          },
        ]);
        expect(report.checkpoint.rootMatches).toBe(true);
      });

      it('a line deleted', async () => {
        const stream = streamOf('commitment-');
        const file = changed(await bundle(), 'deleted', (lines) => lines.filter((_, i) => i !== lineOf(stream[3]) - 1));
        const report = await bothWays(file);
        // The stream's next event is one line up now.
        expect(problems(report)).toEqual([
          {
            problem: 'revision-gap',
            line: lineOf(stream[4]) - 1,
            streamId: stream[4].streamId,
            position: stream[4].position,
          },
          { problem: 'size-mismatch', line: null, streamId: null, position: null },
          { problem: 'root-mismatch', line: null, streamId: null, position: null },
        ]);
        expect(report.brokenLinks[0].detail).toBe(`revision 3 of ${stream[3].streamId} is missing`);
        expect(report.events).toBe(log.length - 1);
      });

      it('two lines swapped', async () => {
        const [a, b] = [log[8], log[9]];
        expect(a.streamId).not.toBe(b.streamId);
        const file = changed(await bundle(), 'swapped', (lines) => {
          const out = [...lines];
          [out[lineOf(a) - 1], out[lineOf(b) - 1]] = [lines[lineOf(b) - 1], lines[lineOf(a) - 1]];
          return out;
        });
        const report = await bothWays(file);
        expect(problems(report)).toEqual([
          { problem: 'position-order', line: lineOf(b), streamId: a.streamId, position: a.position },
          { problem: 'root-mismatch', line: null, streamId: null, position: null },
        ]);
      });

      it('a stream rewritten with recomputed hashes: its chain holds, the tree names each event', async () => {
        const stream = streamOf('commitment-');
        const rewritten = new Set(stream.slice(2).map((e) => e.id));
        const file = changed(await bundle(), 'rewritten', (lines) => {
          let prevHash = stream[1].metadata.hash as string;
          return lines.map((line, i) => {
            if (i === 0 || !rewritten.has(parsed(line).event.id)) return line;
            const { position, recordedAt, leaf, event } = parsed(line);
            const data = { ...(event.data as object), narrative: 'Everything went to plan' };
            const leafInput = canonicalEvent({ ...event, data, metadata: { ...event.metadata, prevHash } });
            prevHash = sha256('sha256', leafInput, 'hex');
            return formatEventLine({ position, recordedAt, hash: prevHash, leaf, leafInput });
          });
        });
        const report = await bothWays(file);
        expect(problems(report)).toEqual([
          ...stream
            .slice(2)
            .map((e) => ({ problem: 'leaf-mismatch', line: lineOf(e), streamId: e.streamId, position: e.position })),
          { problem: 'root-mismatch', line: null, streamId: null, position: null },
        ]);
        expect(report.treeLeaves).toEqual({ differing: stream.length - 2, confirmed: true });
      });

      it('lines that are not event lines of the format, and one reformatted', async () => {
        const [a, b, c] = [log[3], log[4], log[5]];
        const file = changed(await bundle(), 'malformed', (lines) =>
          lines.map((line, i) => {
            if (i === lineOf(a) - 1) return line.slice(0, -10);
            if (i === lineOf(b) - 1) return line.replace('{"position":', '{"extra":1,"position":');
            // Valid JSON still, but not the bytes that were logged.
            if (i === lineOf(c) - 1) return line.replace('"event":{"data":', '"event":{"data": ');
            return line;
          }),
        );
        const report = await bothWays(file);
        const at = (e: RecordedEvent) => ({ line: lineOf(e), streamId: e.streamId, position: e.position });
        // The events of the unreadable lines are missing from their streams.
        const next = (e: RecordedEvent) => log.find((x) => x.streamId === e.streamId && x.revision === e.revision + 1)!;
        expect(problems(report)).toEqual(
          [
            { problem: 'malformed-line', line: lineOf(a), streamId: null, position: null },
            { problem: 'malformed-line', line: lineOf(b), streamId: null, position: null },
            { problem: 'hash-mismatch', ...at(c) },
            { problem: 'leaf-mismatch', ...at(c) },
            { problem: 'revision-gap', ...at(next(a)) },
            { problem: 'revision-gap', ...at(next(b)) },
          ]
            .sort((x, y) => x.line - y.line)
            .concat([{ problem: 'root-mismatch', line: null, streamId: null, position: null }] as never[]),
        );
        expect(report.brokenLinks[1].detail).toMatch(/unknown member "extra"/);
      });

      it('a checkpoint of another root', async () => {
        const forged = signNote(
          formatCheckpoint({ origin: identity.origin, size: log.length, rootHash: randomBytes(32), extensions: [] }),
          [identity.signer],
        );
        const file = changed(await bundle(), 'other-root', (lines) => [
          JSON.stringify({ ...JSON.parse(lines[0]), checkpoint: forged }),
          ...lines.slice(1),
        ]);
        const report = await bothWays(file);
        expect(report.signature.ok).toBe(true);
        expect(problems(report)).toEqual([{ problem: 'root-mismatch', line: null, streamId: null, position: null }]);
        expect(report.treeLeaves).toEqual({ differing: 0, confirmed: false });
        expect(report.brokenLinks[0].detail).toMatch(/or the checkpoint is of another tree/);
        // The witness cosigned the real checkpoint, not this one.
        expect(report.cosignedBy).toEqual([]);
      });

      it('a checkpoint signed by another key: refused once the key is pinned', async () => {
        const other = generateKey(identity.origin);
        const text = parseNote(checkpoint.note).text;
        const file = changed(await bundle(), 'other-key', (lines) => [
          JSON.stringify({
            ...JSON.parse(lines[0]),
            logKeys: [other.verifierKey],
            checkpoint: signNote(text, [parseSignerKey(other.signerKey)]),
          }),
          ...lines.slice(1),
        ]);
        const pinned = await verify(file);
        expect(pinned.intact).toBe(false);
        expect(pinned.signature).toMatchObject({ ok: false, keyPinned: true, signedBy: [] });
        expect(pinned.signature.detail).toMatch(/not signed by the log/);
        // Its own key makes it agree with itself, which is all an unpinned check can say.
        const unpinned = await verifyBundle(file, { workers: 0 });
        expect(unpinned).toMatchObject({ intact: true, signature: { ok: true, keyPinned: false } });
        expect(unpinned.warnings[0]).toMatch(/NOT pinned/);
      });

      it('a cosignature changed', async () => {
        // A character inside the signature (past the key ID and the timestamp): the line still names ma-witness.
        const file = changed(await bundle(), 'cosignature', (lines) => {
          const header = JSON.parse(lines[0]);
          const note = (header.checkpoint as string).replace(
            /(— ma-witness .{30})(.)/,
            (_, kept: string, c: string) => kept + (c === 'A' ? 'B' : 'A'),
          );
          return [JSON.stringify({ ...header, checkpoint: note }), ...lines.slice(1)];
        });
        const report = await verify(file);
        expect(report).toMatchObject({ intact: false, signature: { ok: true }, cosignedBy: [], brokenLinkCount: 0 });
        expect(report.witnessProblems).toEqual([
          {
            party: 'MA',
            witness: 'ma-witness',
            detail: 'its cosignature does not verify: the checkpoint was changed after it was cosigned',
          },
        ]);
      });
    });

    it('names the events the database changed after they were logged: the tree kept their leaves', async () => {
      const stream = streamOf('commitment-');
      await rewriteWithRecomputedHashes(subject.table, stream);
      const report = await verify(await bundle());
      expect(report.brokenLinks.map(({ problem, streamId, position }) => ({ problem, streamId, position }))).toEqual([
        ...stream.map((e) => ({ problem: 'leaf-mismatch', streamId: e.streamId, position: e.position })),
        { problem: 'root-mismatch', streamId: null, position: null },
      ]);
      expect(report.treeLeaves.confirmed).toBe(true);
    });

    it('proves one event alone, and refuses the proof for another event or another checkpoint', async () => {
      const event = streamOf('commitment-')[2];
      const proof = await proveInclusion(source(), event.id);
      expect(proof).toMatchObject({
        format: 'accord.inclusion-proof/v1',
        leafIndex: lineOf(event) - 2,
        treeSize: log.length,
        logKeys: [identity.verifierKey],
        event: { id: event.id, metadata: event.metadata, data: event.data, position: event.position },
      });
      // A file: what was written is what is checked.
      const file = JSON.parse(JSON.stringify(proof)) as InclusionProofFile;
      const report = verifyEventProof(file, { logKey: identity.verifierKey });
      expect(report).toMatchObject({
        ok: true,
        problems: [],
        warnings: [],
        cosignedBy: [{ party: 'MA', witness: 'ma-witness' }],
        parties: { cosigned: ['MA'], notCosigned: ['QA'] },
      });
      expect(verifyEventProof(file).warnings[0]).toMatch(/NOT pinned/);

      const other = log[lineOf(event) - 1];
      const forOther = verifyEventProof({ ...file, event: other }, { logKey: identity.verifierKey });
      expect(forOther.ok).toBe(false);
      expect(forOther.problems).toEqual([expect.stringMatching(/is not leaf \d+ of the checkpoint's tree/)]);

      await append(subject.store, event.streamId, streamOf('commitment-').length, [progress(event.streamId, 100)]);
      await grown();
      const later = await sign();
      const laterProof = await proveInclusion(source(), event.id, { treeSize: later.treeSize });
      expect(verifyEventProof(laterProof, { logKey: identity.verifierKey }).ok).toBe(true);
      const swapped = verifyEventProof(
        { ...file, checkpoint: laterProof.checkpoint },
        { logKey: identity.verifierKey },
      );
      expect(swapped.ok).toBe(false);
      expect(swapped.problems[0]).toMatch(
        `the proof is for a tree of ${log.length - 1} leaves, its checkpoint is of ${log.length}`,
      );
      const otherKey = generateKey(identity.origin);
      expect(verifyEventProof(file, { logKey: otherKey.verifierKey }).problems[0]).toMatch(/not signed by the log/);

      // Consistency between the two checkpoints, checked against their roots.
      const consistency = await proveConsistency(source(), checkpoint.treeSize, later.treeSize);
      expect(consistency.rootsMatchCheckpoints).toEqual({ from: true, to: true });
      expect(consistency.fromRoot).toBe(toBase64(checkpoint.rootHash));
      expect(
        verifyConsistency({
          fromSize: checkpoint.treeSize,
          toSize: later.treeSize,
          fromRoot: checkpoint.rootHash,
          toRoot: later.rootHash,
          proof: consistency.proof.map((h) => new Uint8Array(Buffer.from(h, 'base64'))),
        }),
      ).toBe(true);
    });

    it('says so when no checkpoint of that size was signed, or the tree has not grown that far', async () => {
      await expect(signedCheckpointOf(subject.db, 5)).rejects.toMatchObject({
        code: 'NO_CHECKPOINT',
        message: expect.stringMatching(`latest is of size ${log.length}`),
      });
      await expect(proveConsistency(source(), 1, log.length + 3)).rejects.toMatchObject({
        code: 'TREE_BEHIND',
        message: expect.stringMatching(`holds ${log.length} leaves, fewer than the ${log.length + 3} asked for`),
      });
      await expect(proveConsistency(source(), 4, 3)).rejects.toBeInstanceOf(LogTreeError);
      await expect(proveInclusion(source(), '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
        code: 'UNKNOWN_EVENT',
      });
    });
  });
}

bundleSuite('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'accord-bundle-db-'));
  const file = join(dir, 'accord.db');
  const store = await SqliteEventStore.open(file);
  const db = new SqliteDb(file);
  const table = sqliteEventTable(file);
  return {
    store,
    db,
    table,
    close: async () => {
      await table.close();
      await store.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describeWithPostgres('audit bundles (PostgreSQL)', () => {
  bundleSuite('PostgreSQL', async () => {
    const schema = testSchemaName();
    const store = await PostgresEventStore.open(TEST_PG_URL, { schema });
    const db = new PostgresDb(TEST_PG_URL, { schema });
    const table = await postgresEventTable(TEST_PG_URL, schema);
    return {
      store,
      db,
      table,
      close: async () => {
        await table.close();
        await store.close();
        await db.close();
        await dropTestSchema(schema);
      },
    };
  });
});
