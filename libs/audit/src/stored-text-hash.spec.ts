import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { InvalidAppendError, type EventStore, type StoredEvent } from '@accord/event-store';
import {
  describeWithPostgres,
  dropTestSchema,
  TEST_PG_URL,
  testSchemaName,
} from '@accord/event-store-postgres/testing/postgres-test-database';
import { PostgresEventStore } from '@accord/event-store-postgres';
import { SqliteEventStore } from '@accord/event-store-sqlite';
import { chainEvents, computeEventHash, GENESIS_HASH, storedEventHash } from './event-hash';
import { verifyChunk } from './verify-chunk';

/** A few streams of events whose data and metadata come in no particular key order. */
async function writeLog(store: EventStore, streams = 5, perStream = 40): Promise<number> {
  for (let s = 0; s < streams; s++) {
    const streamId = `commitment-${randomUUID()}`;
    let previous = GENESIS_HASH;
    for (let r = 0; r < perStream; r += 4) {
      const events = chainEvents(
        streamId,
        r,
        previous,
        Array.from({ length: 4 }, (_, i) => ({
          id: randomUUID(),
          type: 'ProgressReported',
          data: { zeta: r + i, alpha: 'é "quoted" \u2028', nested: { b: [1, 0.5, 1e21], a: null } },
          metadata: { occurredAt: new Date(0).toISOString(), actor: { role: 'integration', id: 'x' }, commandId: 'c' },
        })),
      );
      await store.append(streamId, events, { expectedRevision: r === 0 ? 'no_stream' : r - 1 });
      previous = events[events.length - 1].metadata!.hash as string;
    }
  }
  return streams * perStream;
}

async function readAllStored(store: EventStore & { readAllStored: SqliteEventStore['readAllStored'] }) {
  return store.readAllStored({ after: 0, maxCount: 100_000 });
}

describe('hashing events as a store keeps them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'accord-stored-text-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('SQLite keeps canonical text, so the hash of the stored text is the event hash', async () => {
    const store = await SqliteEventStore.open(join(dir, 'canonical.db'));
    const count = await writeLog(store);
    const events = await readAllStored(store);
    expect(events).toHaveLength(count);
    for (const event of events) {
      expect(event.dataJson.startsWith('{"alpha":')).toBe(true);
      expect(storedEventHash(event)).toBe(computeEventHash(event));
      expect(storedEventHash(event)).toBe(event.metadata.hash);
    }
    const chunk = await verifyChunk(store, { index: 0, from: 0, to: 1_000_000 });
    expect(chunk).toMatchObject({ count, hashedAsStored: count });
    expect(chunk.problem).toBeUndefined();
    await store.close();
  });

  it('verifies a log stored in another form (an older writer) the slow way, and still finds tampering', async () => {
    const file = join(dir, 'older.db');
    const store = await SqliteEventStore.open(file);
    const count = await writeLog(store, 2, 20);
    await store.close();
    // Rewrite every stored text with its keys in reverse order: same values, not canonical.
    const raw = new Database(file);
    const reverse = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(reverse)
        : value && typeof value === 'object'
          ? Object.fromEntries(
              Object.entries(value)
                .reverse()
                .map(([k, v]) => [k, reverse(v)]),
            )
          : value;
    const rows = raw.prepare('SELECT position, data, metadata FROM events').all() as {
      position: number;
      data: string;
      metadata: string;
    }[];
    const update = raw.prepare('UPDATE events SET data = ?, metadata = ? WHERE position = ?');
    for (const row of rows) {
      update.run(
        JSON.stringify(reverse(JSON.parse(row.data))),
        JSON.stringify(reverse(JSON.parse(row.metadata))),
        row.position,
      );
    }
    const reopened = await SqliteEventStore.open(file);
    const stored = (await readAllStored(reopened)) as StoredEvent[];
    expect(stored.every((e) => storedEventHash(e) !== e.metadata.hash)).toBe(true);
    const intact = await verifyChunk(reopened, { index: 0, from: 0, to: 1_000_000 });
    expect(intact).toMatchObject({ count, hashedAsStored: 0 });
    expect(intact.problem).toBeUndefined();
    // One changed value in the middle is still a hash mismatch.
    raw.prepare(`UPDATE events SET data = replace(data, '"zeta":13', '"zeta":14') WHERE position = 14`).run();
    const tampered = await verifyChunk(reopened, { index: 0, from: 0, to: 1_000_000 });
    expect(tampered.problem).toMatchObject({ problem: 'hash-mismatch', position: 14 });
    raw.close();
    await reopened.close();
  });

  it('never matches when the stored text changed, even where the change keeps the JSON valid', async () => {
    const store = await SqliteEventStore.open(join(dir, 'changed.db'));
    await writeLog(store, 1, 4);
    const [event] = await readAllStored(store);
    const variants = [
      { ...event, dataJson: event.dataJson.replace('"zeta":0', '"zeta":1') },
      { ...event, dataJson: event.dataJson.replace('{"alpha"', '{ "alpha"') },
      { ...event, metadataJson: event.metadataJson.replace('"commandId":"c"', '"commandId":"d"') },
      { ...event, revision: event.revision + 1 },
      { ...event, type: 'Other' },
    ];
    for (const variant of variants) expect(storedEventHash(variant)).not.toBe(event.metadata.hash);
    expect(storedEventHash({ ...event, metadata: {} })).toBeUndefined();
    await store.close();
  });

  it('refuses data JSON cannot hold instead of storing something else', async () => {
    const store = await SqliteEventStore.open(join(dir, 'refused.db'));
    for (const data of [{ n: NaN }, { n: Infinity }, { n: 1n }]) {
      await expect(
        store.append(`commitment-${randomUUID()}`, [{ id: randomUUID(), type: 'T', data }], {
          expectedRevision: 'no_stream',
        }),
      ).rejects.toBeInstanceOf(InvalidAppendError);
    }
    expect(await store.readAll()).toEqual([]);
    await store.close();
  });
});

describeWithPostgres('hashing events as PostgreSQL keeps them', () => {
  const schema = testSchemaName();
  afterAll(() => dropTestSchema(schema));

  it('keeps canonical text in its json columns, so every event is hashed as stored', async () => {
    const store = await PostgresEventStore.open(TEST_PG_URL, { schema });
    try {
      const count = await writeLog(store, 3, 20);
      const events = await store.readAllStored({ after: 0, maxCount: 1000 });
      for (const event of events) expect(storedEventHash(event)).toBe(computeEventHash(event));
      const chunk = await verifyChunk(store, { index: 0, from: 0, to: 1_000_000 });
      expect(chunk).toMatchObject({ count, hashedAsStored: count });
      expect(chunk.problem).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
