import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalEvent, chainEvents, computeEventHash } from '@accord/audit';
import { readsStoredText, type EventStore, type RecordedEvent } from '@accord/event-store';
import { SqliteEventStore } from '@accord/event-store-sqlite';
import { PostgresEventStore } from '@accord/event-store-postgres';
import {
  describeWithPostgres,
  dropTestSchema,
  testSchemaName,
  TEST_PG_URL,
} from '@accord/event-store-postgres/testing/postgres-test-database';
import { CompactRange, leafHash, verifyConsistency, verifyInclusion } from '@accord/merkle';
import { ProjectionRunner } from '@accord/projection-runner';
import { generateKey, openCheckpoint, parseVerifierKey } from '@accord/signed-note';
import { PostgresDb, SqliteDb, type SqlDb } from '@accord/sql';
import { CheckpointStore } from './checkpoint-store';
import { eventLeafHash, eventLeafInput, eventLeafText } from './leaf';
import { LogKeyError, logVerifierKeys, openLogIdentity } from './log-identity';
import { SqlLogTree } from './sql-log-tree';
import { LOG_TREE, logTreeProjection } from './tree.projection';

interface Setup {
  store: EventStore;
  db: SqlDb;
  close(): Promise<void>;
}

/** Appends `n` chained events over a few streams, one by one (each its own streams' revisions); returns them as recorded. */
async function appendEvents(store: EventStore, n: number, streams = 7) {
  const revisions = new Map<string, { revision: number; hash: string }>();
  const recorded: RecordedEvent[] = [];
  for (let i = 0; i < n; i++) {
    const streamId = `thing-${i % streams}`;
    const tail = revisions.get(streamId) ?? { revision: -1, hash: '0'.repeat(64) };
    const [event] = chainEvents(streamId, tail.revision + 1, tail.hash, [
      {
        id: randomUUID(),
        type: 'Counted',
        data: { i, text: `é ${i}` },
        metadata: { occurredAt: '2026-12-02T00:00:00.000Z' },
      },
    ]);
    recorded.push(...(await store.append(streamId, [event])).events);
    revisions.set(streamId, { revision: tail.revision + 1, hash: event.metadata!.hash as string });
  }
  return recorded;
}

function treeSuite(name: string, open: () => Promise<Setup>) {
  describe(`the log tree on ${name}`, () => {
    let setup: Setup;
    let runner: ProjectionRunner;
    beforeEach(async () => {
      setup = await open();
      runner = new ProjectionRunner(setup.store, setup.db, [logTreeProjection], { batchSize: 50 });
    });
    afterEach(async () => {
      await runner.stop();
      await setup.close();
    });

    it('takes the stored text as the leaf input only when it is the canonical text, and serializes again otherwise', async () => {
      const events = await appendEvents(setup.store, 20);
      const store = setup.store;
      if (!readsStoredText(store)) throw new Error(`${name} does not hand out stored text`);
      const stored = await store.readAllStored({ after: 0, maxCount: 100 });
      expect(stored).toHaveLength(20);
      for (const [i, event] of stored.entries()) {
        const canonical = canonicalEvent(events[i]);
        expect(eventLeafText(event)).toBe(canonical);
        expect(eventLeafHash(event)).toEqual(eventLeafHash(events[i]));
        // The same values stored in another form (an older writer's spacing): not the text the
        // hash covers, so it is serialized again, to the same canonical text.
        const spaced = { ...event, dataJson: event.dataJson.replace(':', ': ') };
        expect(spaced.dataJson).not.toBe(event.dataJson);
        expect(eventLeafText(spaced)).toBe(canonical);
        // A stored hash that is not the text's: never taken.
        const forged = { ...event, dataJson: event.dataJson.replace('"i":', '"j":') };
        expect(eventLeafText(forged)).toBe(canonical);
      }
    });

    it('grows with the log, leaf by leaf as RFC 9162 hashes the events, and proves inclusion and consistency', async () => {
      const events = await appendEvents(setup.store, 333);
      await runner.start();
      expect(await runner.waitFor(LOG_TREE, events[events.length - 1].position, 20_000)).toBe(true);
      const tree = new SqlLogTree(setup.db, await runner.tables(LOG_TREE));

      // The tree an auditor would build from the events alone, leaf input = the canonical text the chain hashes.
      const expected = CompactRange.empty();
      for (const event of events) {
        const input = eventLeafInput(event);
        expect(computeEventHash(event)).toBe(require('node:crypto').hash('sha256', input, 'hex'));
        expected.append(leafHash(input));
      }
      const head = await tree.head();
      expect(head.size).toBe(333);
      expect(head.position).toBe(events[332].position);
      expect(Buffer.from(head.root).toString('hex')).toBe(Buffer.from(expected.root()).toString('hex'));

      const leaf = await tree.leafOfEvent(events[100].id);
      expect(leaf).toMatchObject({ leaf: 100, streamId: events[100].streamId, position: events[100].position });
      for (const size of [101, 128, 200, 333]) {
        const proof = await tree.inclusionProof(100, size);
        const root = await tree.root(size);
        expect(
          verifyInclusion({ leafIndex: 100, treeSize: size, leafHash: eventLeafHash(events[100]), proof, root }),
        ).toBe(true);
        // The same proof does not prove another event.
        expect(
          verifyInclusion({ leafIndex: 100, treeSize: size, leafHash: eventLeafHash(events[101]), proof, root }),
        ).toBe(false);
      }
      for (const [from, to] of [
        [1, 333],
        [100, 333],
        [128, 256],
        [200, 201],
        [333, 333],
      ]) {
        const proof = await tree.consistencyProof(from, to);
        const ok = verifyConsistency({
          fromSize: from,
          toSize: to,
          fromRoot: await tree.root(from),
          toRoot: await tree.root(to),
          proof,
        });
        expect(ok).toBe(true);
      }
    });

    it('signs checkpoints with the log key made at first start, kept across restarts, and keeps each one', async () => {
      const events = await appendEvents(setup.store, 40);
      await runner.start();
      await runner.waitFor(LOG_TREE, events[39].position, 20_000);
      const identity = await openLogIdentity(setup.db);
      expect(identity.generated).toBe(true);
      expect(identity.origin).toMatch(/^accord\.dev\/log\/[0-9a-f-]{36}$/);
      const again = await openLogIdentity(setup.db);
      expect(again.generated).toBe(false);
      expect(again.verifierKey).toBe(identity.verifierKey);

      const checkpoints = new CheckpointStore(setup.db);
      const tree = new SqlLogTree(setup.db, await runner.tables(LOG_TREE));
      const first = await checkpoints.record(identity.origin, identity.signer, await tree.head());
      // Signing the same head again keeps one checkpoint, byte for byte.
      expect((await checkpoints.record(identity.origin, identity.signer, await tree.head())).note).toBe(first.note);
      const opened = openCheckpoint(first.note, { log: parseVerifierKey(again.verifierKey), origin: identity.origin });
      expect(opened.checkpoint.size).toBe(40);
      expect(Buffer.from(opened.checkpoint.rootHash)).toEqual(Buffer.from((await tree.head()).root));

      const more = await appendEvents(setup.store, 10);
      await runner.waitFor(LOG_TREE, more[more.length - 1].position, 20_000);
      const second = await checkpoints.record(identity.origin, identity.signer, await tree.head());
      expect(second.treeSize).toBe(50);
      expect((await checkpoints.all()).map((c) => c.treeSize)).toEqual([40, 50]);
      expect((await checkpoints.latest())!.treeSize).toBe(50);
      expect((await checkpoints.list({ before: 50, limit: 10 })).map((c) => c.treeSize)).toEqual([40]);
    });
  });
}

describe('the log key', () => {
  let dir: string;
  let db: SqliteDb;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'accord-log-key-'));
    db = new SqliteDb(join(dir, 'accord.db'));
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("takes ACCORD_LOG_KEY for its log, keeps only its verifier key, and refuses another log's key or none", async () => {
    const logId = randomUUID();
    const key = generateKey(`accord.dev/log/${logId}`);
    const given = await openLogIdentity(db, key.signerKey);
    expect(given).toMatchObject({ logId, source: 'configuration', generated: false, verifierKey: key.verifierKey });
    const [row] = await db.query<{ signer_key: string | null }>('SELECT signer_key FROM audit_log');
    expect(row.signer_key).toBeNull();
    // Another log's key, a key of another form, and no key at all are refused with the reason.
    await expect(openLogIdentity(db, generateKey(`accord.dev/log/${randomUUID()}`).signerKey)).rejects.toThrow(
      new RegExp(`this database holds the log ${logId}`),
    );
    await expect(openLogIdentity(db, generateKey('example.com/log').signerKey)).rejects.toThrow(LogKeyError);
    await expect(openLogIdentity(db, 'PRIVATE+KEY+nonsense')).rejects.toThrow(/not a signer key/);
    await expect(openLogIdentity(db)).rejects.toThrow(/was given by ACCORD_LOG_KEY and is not kept here/);
    // A rotated key for the same log signs from now on; both stay listed.
    const rotated = generateKey(`accord.dev/log/${logId}`);
    expect((await openLogIdentity(db, rotated.signerKey)).verifierKey).toBe(rotated.verifierKey);
    expect((await logVerifierKeys(db)).sort()).toEqual([key.verifierKey, rotated.verifierKey].sort());
  });
});

treeSuite('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'accord-tree-'));
  const store = await SqliteEventStore.open(join(dir, 'accord.db'));
  const db = new SqliteDb(join(dir, 'accord.db'));
  return {
    store,
    db,
    close: async () => {
      await store.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describeWithPostgres('log tree (PostgreSQL)', () => {
  treeSuite('PostgreSQL', async () => {
    const schema = testSchemaName();
    const store = await PostgresEventStore.open(TEST_PG_URL, { schema });
    const db = new PostgresDb(TEST_PG_URL, { schema });
    return {
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
