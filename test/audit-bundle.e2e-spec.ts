import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { append, progress, seed } from '@accord/audit/testing/tamper.suite';
import type { EventStore, RecordedEvent } from '@accord/event-store';
import { PostgresEventStore } from '@accord/event-store-postgres';
import {
  describeWithPostgres,
  dropTestSchema,
  testSchemaName,
  TEST_PG_URL,
} from '@accord/event-store-postgres/testing/postgres-test-database';
import { SqliteEventStore } from '@accord/event-store-sqlite';
import {
  CheckpointStore,
  LOG_TREE,
  logTreeProjection,
  openLogIdentity,
  registerWitness,
  SqlLogTree,
  type BundleReport,
  type LogIdentity,
  type StoredCheckpoint,
} from '@accord/log-tree';
import { verifyConsistency } from '@accord/merkle';
import { ProjectionRunner } from '@accord/projection-runner';
import {
  ALGORITHM_COSIGNATURE_V1,
  generateKey,
  hexKeyId,
  parseNote,
  parseSignerKey,
  signatureLine,
} from '@accord/signed-note';
import { PostgresDb, SqliteDb, type SqlDb } from '@accord/sql';
import { accord } from './support/cli';

interface Subject {
  readonly url: string;
  readonly store: EventStore;
  readonly db: SqlDb;
  close(): Promise<void>;
}

function cliSuite(name: string, open: (dir: string) => Promise<Subject>) {
  describe(`accord audit bundle, verify-bundle, prove and verify-event on ${name}`, () => {
    let dir: string;
    let subject: Subject;
    let runner: ProjectionRunner;
    let identity: LogIdentity;
    let checkpoints: CheckpointStore;
    let log: RecordedEvent[];
    let first: StoredCheckpoint;
    let second: StoredCheckpoint;
    const ma = generateKey('ma-witness', ALGORITHM_COSIGNATURE_V1);

    const readAll = async () => {
      const all: RecordedEvent[] = [];
      for (let after = 0; ;) {
        const page = await subject.store.readAll({ after, maxCount: 100 });
        if (page.length === 0) return all;
        all.push(...page);
        after = page.at(-1)!.position;
      }
    };
    const sign = async () => {
      log = await readAll();
      expect(await runner.waitFor(LOG_TREE, log.at(-1)!.position, 20_000)).toBe(true);
      const tree = new SqlLogTree(subject.db, await runner.tables(LOG_TREE));
      return checkpoints.record(identity.origin, identity.signer, await tree.head());
    };
    const cli = (args: string[]) => accord(args, { ACCORD_STORE: subject.url });

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'accord-cli-bundle-'));
      subject = await open(dir);
      const seeded = await seed(subject.store);
      const now = '2026-12-02T10:00:00.000Z';
      await registerWitness(
        subject.store,
        { party: 'MA', verifierKey: ma.verifierKey },
        { actor: { id: 'admin' }, now },
      );
      runner = new ProjectionRunner(subject.store, subject.db, [logTreeProjection], { batchSize: 5 });
      await runner.start();
      identity = await openLogIdentity(subject.db);
      checkpoints = new CheckpointStore(subject.db);
      first = await sign();
      const commitment = seeded.find((e) => e.streamId.startsWith('commitment-'))!.streamId;
      await append(subject.store, commitment, 5, [progress(commitment, 70), progress(commitment, 80)]);
      second = await sign();
      const signer = parseSignerKey(ma.signerKey, { now: () => 1_800_000_000 });
      await checkpoints.addCosignature({
        treeSize: second.treeSize,
        witness: signer.name,
        keyId: hexKeyId(signer.keyId),
        party: 'MA',
        timestamp: 1_800_000_000,
        line: signatureLine(parseNote(second.note).text, signer),
        receivedAt: now,
      });
    });
    afterAll(async () => {
      await runner?.stop();
      await subject?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('writes the latest checkpoint as a bundle that verify-bundle passes offline, and names a changed event', async () => {
      const file = join(dir, 'latest.ndjson');
      const written = await cli(['audit', 'bundle', '--out', file]);
      expect(written).toMatchObject({ code: 0, stderr: '' });
      expect(written.stdout).toMatch(
        `wrote ${file}: ${log.length} events of the checkpoint of tree size ${log.length}`,
      );
      // From here on no database is needed: the store URL points nowhere.
      const offline = (args: string[]) => accord(args, { ACCORD_STORE: `sqlite:${join(dir, 'nowhere', 'x.db')}` });
      const verified = await offline(['audit', 'verify-bundle', file, '--log-key', identity.verifierKey]);
      expect(verified).toMatchObject({ code: 0, stderr: '' });
      expect(verified.stdout).toMatch(new RegExp(`^intact: ${log.length} events in \\d+ streams verified in`));
      expect(verified.stdout).toMatch(`= the checkpoint's (tree size ${log.length})`);
      expect(verified.stdout).toMatch(
        `signature:  signed by ${identity.verifierKey.split('+').slice(0, 2).join('+')}, the key given`,
      );
      expect(verified.stdout).toMatch(/cosigned: {3}MA \(ma-witness, at 2027-01-15T08:00:00.000Z\)/);
      expect(verified.stdout).not.toMatch('WARNING');

      const json = await offline(['audit', 'verify-bundle', file, '--json', '--workers', '0']);
      const report = JSON.parse(json.stdout) as BundleReport;
      expect(report).toMatchObject({ intact: true, events: log.length, signature: { ok: true, keyPinned: false } });
      expect(report.warnings[0]).toMatch(/NOT pinned/);
      const unpinned = await offline(['audit', 'verify-bundle', file]);
      expect(unpinned.stdout).toMatch('WARNING: the operator key was NOT pinned');

      const index = log.findIndex((e) => e.type === 'ProgressReported');
      const target = log[index];
      const lines = readFileSync(file, 'utf8').split('\n');
      lines[index + 1] = lines[index + 1].replace(/"percent":(\d)/, (_, d: string) => `"percent":${d === '9' ? 8 : 9}`);
      expect(lines[index + 1]).not.toBe(readFileSync(file, 'utf8').split('\n')[index + 1]);
      const tampered = join(dir, 'tampered.ndjson');
      writeFileSync(tampered, lines.join('\n'));
      // Worker threads asked for by name: a bundle this short is verified in this thread by default (decision 0036).
      const broken = await offline([
        'audit',
        'verify-bundle',
        tampered,
        '--log-key',
        identity.verifierKey,
        '--workers',
        '2',
      ]);
      expect(broken.code).toBe(3);
      expect(broken.stdout).toMatch(
        `BROKEN at line ${index + 2}, position ${target.position}, ${target.streamId} revision ${target.revision}: hash-mismatch`,
      );
      expect(broken.stdout).toMatch(`: leaf-mismatch\n`);
      expect(broken.stdout).toMatch(/BROKEN: 3 broken links in/);

      const notABundle = join(dir, 'not-a-bundle.ndjson');
      writeFileSync(notABundle, '{"hello":"world"}\n');
      expect(await offline(['audit', 'verify-bundle', notABundle])).toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/not an accord\.audit-bundle\/v1 header/),
      });
      expect(await offline(['audit', 'verify-bundle', join(dir, 'missing.ndjson')])).toMatchObject({ code: 2 });
      expect(await offline(['audit', 'verify-bundle', file, '--log-key', ma.verifierKey])).toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/--log-key must be the log's Ed25519/),
      });
    });

    it('bundles an older checkpoint by its tree size, and says when there is none of that size', async () => {
      const file = join(dir, 'first.ndjson');
      expect((await cli(['audit', 'bundle', '--tree-size', String(first.treeSize), '--out', file])).code).toBe(0);
      const verified = await accord(['audit', 'verify-bundle', file, '--log-key', identity.verifierKey, '--json']);
      expect(JSON.parse(verified.stdout)).toMatchObject({
        intact: true,
        events: first.treeSize,
        cosignedBy: [],
        workers: 0,
      });
      expect(await cli(['audit', 'bundle', '--tree-size', '3', '--out', join(dir, 'x')])).toMatchObject({
        code: 2,
        stderr: expect.stringMatching(
          `no checkpoint of tree size 3 was signed \\(the latest is of size ${second.treeSize}`,
        ),
      });
    });

    it('proves one event into a file that verify-event checks alone, and refuses it for another event', async () => {
      const event = log[4];
      const file = join(dir, 'proof.json');
      const proved = await cli(['audit', 'prove', 'inclusion', '--event', event.id, '--out', file]);
      expect(proved).toMatchObject({ code: 0, stderr: '' });
      expect(proved.stdout).toMatch(`is leaf 4 of the checkpoint of tree size ${second.treeSize}`);
      const verified = await accord(['audit', 'verify-event', file, '--log-key', identity.verifierKey]);
      expect(verified).toMatchObject({ code: 0 });
      expect(verified.stdout).toMatch(
        `proven: event ${event.id} (${event.type}, ${event.streamId} revision ${event.revision}, position ${event.position}) is leaf 4`,
      );
      expect(verified.stdout).toMatch('cosigned:   MA (ma-witness');

      const proof = JSON.parse(readFileSync(file, 'utf8'));
      const forged = join(dir, 'forged.json');
      writeFileSync(
        forged,
        JSON.stringify({ ...proof, event: { ...proof.event, data: { ...proof.event.data, x: 1 } } }),
      );
      const refused = await accord(['audit', 'verify-event', forged, '--log-key', identity.verifierKey]);
      expect(refused.code).toBe(3);
      expect(refused.stdout).toMatch(/^REFUSED: event/);
      expect(refused.stdout).toMatch(/is not leaf 4 of the checkpoint's tree/);

      const older = await cli([
        'audit',
        'prove',
        'inclusion',
        '--event',
        event.id,
        '--tree-size',
        String(first.treeSize),
      ]);
      expect(JSON.parse(older.stdout)).toMatchObject({ treeSize: first.treeSize, leafIndex: 4 });
      const late = log.at(-1)!;
      expect(
        await cli(['audit', 'prove', 'inclusion', '--event', late.id, '--tree-size', String(first.treeSize)]),
      ).toMatchObject({
        code: 2,
        stderr: expect.stringMatching(`is leaf ${log.length - 1}, after the checkpoint of size`),
      });
    });

    it('proves that the later checkpoint extends the earlier, and says when the tree is behind', async () => {
      const answer = await cli([
        'audit',
        'prove',
        'consistency',
        '--from',
        String(first.treeSize),
        '--to',
        String(second.treeSize),
        '--json',
      ]);
      expect(answer.code).toBe(0);
      const proof = JSON.parse(answer.stdout);
      expect(proof).toMatchObject({
        from: first.treeSize,
        to: second.treeSize,
        rootsMatchCheckpoints: { from: true, to: true },
        fromCheckpoint: first.note,
      });
      const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));
      expect(
        verifyConsistency({
          fromSize: first.treeSize,
          toSize: second.treeSize,
          fromRoot: first.rootHash,
          toRoot: second.rootHash,
          proof: proof.proof.map(bytes),
        }),
      ).toBe(true);
      const text = await cli(['audit', 'prove', 'consistency', '--from', '3', '--to', String(second.treeSize)]);
      expect(text.stdout).toMatch(`the tree of 3 leaves is a prefix of the tree of ${second.treeSize} leaves`);
      expect(text.stdout).toMatch('(no checkpoint of that size)');
      expect(
        await cli(['audit', 'prove', 'consistency', '--from', '1', '--to', String(second.treeSize + 5)]),
      ).toMatchObject({
        code: 2,
        stderr: expect.stringMatching(
          `the log tree holds ${second.treeSize} leaves, fewer than the ${second.treeSize + 5} asked for: .*accord projections rebuild log-tree`,
        ),
      });
    });
  });
}

describe('accord audit bundle on a store without a checkpoint', () => {
  it('says that none was signed yet', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'accord-cli-bundle-'));
    try {
      const store = await SqliteEventStore.open(join(dir, 'accord.db'));
      await seed(store);
      await store.close();
      const answer = await accord(['audit', 'bundle', '--store', `sqlite:${join(dir, 'accord.db')}`]);
      expect(answer).toMatchObject({ code: 2, stderr: expect.stringMatching(/no checkpoint has been signed yet/) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

cliSuite('SQLite', async (dir) => {
  const file = join(dir, 'accord.db');
  const store = await SqliteEventStore.open(file);
  const db = new SqliteDb(file);
  return {
    url: `sqlite:${file}`,
    store,
    db,
    close: async () => {
      await store.close();
      await db.close();
    },
  };
});

describeWithPostgres('the audit bundle CLI (PostgreSQL)', () => {
  cliSuite('PostgreSQL', async () => {
    const schema = testSchemaName();
    const store = await PostgresEventStore.open(TEST_PG_URL, { schema });
    const db = new PostgresDb(TEST_PG_URL, { schema });
    return {
      url: `${TEST_PG_URL}?schema=${schema}`,
      store,
      db,
      close: async () => {
        await store.close();
        await db.close();
        await dropTestSchema(schema);
      },
    };
  });
});
