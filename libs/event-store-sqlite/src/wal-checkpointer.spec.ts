import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { anEvent, readWholeLog, until } from '@accord/event-store/conformance/event-store.conformance';
import { SqliteEventStore } from './sqlite-event-store';
import { WalCheckpointer } from './wal-checkpointer';

describe('WAL checkpoints on a thread of their own', () => {
  const dir = mkdtempSync(join(tmpdir(), 'accord-wal-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves the commits alone and copies the whole WAL back into the database', async () => {
    const file = join(dir, 'store.db');
    // No timed checkpoint in between (on a loaded machine one would copy part of the WAL and
    // leave the last one fewer frames): checkpointNow below copies the whole of it.
    const store = await SqliteEventStore.open(file, { checkpointEveryMs: 600_000 });
    const reader = new Database(file, { readonly: true });
    try {
      const raw = (store as unknown as { db: Database.Database }).db;
      expect(raw.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
      expect(raw.pragma('journal_size_limit', { simple: true })).toBe(16 * 1024 * 1024);
      // Enough pages that the automatic checkpoint (1,000 pages) would have run inside a commit.
      for (let i = 0; i < 40; i++) {
        await Promise.all(
          Array.from({ length: 25 }, () =>
            store.append(`thing-${randomUUID()}`, [anEvent('T', { pad: 'x'.repeat(2000) })], {
              expectedRevision: 'no_stream',
            }),
          ),
        );
      }
      await store.checkpoints!.checkpointNow();
      const { checkpoints, walFrames, copied } = store.checkpoints!.stats;
      expect(checkpoints).toBeGreaterThan(0);
      expect(walFrames).toBeGreaterThan(1000);
      expect(copied).toBe(walFrames);
      // What was checkpointed is in the database file itself, readable by another connection.
      expect(reader.prepare('SELECT count(*) AS n FROM events').get()).toEqual({ n: 1000 });
      expect(await readWholeLog(store)).toHaveLength(1000);
    } finally {
      reader.close();
      await store.close();
    }
    // The last connection's close checkpointed and removed the WAL.
    expect(() => statSync(`${file}-wal`)).toThrow();
  });

  const burst = async (store: SqliteEventStore, batches: number): Promise<number> => {
    let acknowledged = 0;
    for (let i = 0; i < batches; i++) {
      const results = await Promise.all(
        Array.from({ length: 25 }, () =>
          store.append(`thing-${randomUUID()}`, [anEvent('T', { pad: 'x'.repeat(2000) })], {
            expectedRevision: 'no_stream',
          }),
        ),
      );
      acknowledged += results.length;
    }
    return acknowledged;
  };
  const walSize = (file: string): number => {
    try {
      return statSync(`${file}-wal`).size;
    } catch {
      return 0;
    }
  };
  const MiB = 1024 * 1024;

  it('starts a WAL past the limit over once a reader that held a snapshot lets go, cuts it back, and loses no append', async () => {
    const file = join(dir, 'limited.db');
    // No timed checkpoint: each checkpointNow below is the only one.
    const store = await SqliteEventStore.open(file, { checkpointEveryMs: 600_000, walLimitBytes: MiB });
    const reader = new Database(file, { readonly: true });
    try {
      const before = await burst(store, 2);
      // A long reader: its snapshot keeps every later frame in the WAL.
      reader.exec('BEGIN');
      expect(reader.prepare('SELECT count(*) AS n FROM events').get()).toEqual({ n: before });
      const during = await burst(store, 40);
      await store.checkpoints!.checkpointNow();
      // The thread leaves the WAL alone rather than wait for the reader with writers held off.
      expect(store.checkpoints!.stats.restarts).toBe(0);
      expect(walSize(file)).toBeGreaterThan(4 * MiB);
      expect(reader.prepare('SELECT count(*) AS n FROM events').get()).toEqual({ n: before });
      // Appends go on meanwhile.
      const more = await burst(store, 1);
      reader.exec('COMMIT');

      await store.checkpoints!.checkpointNow();
      expect(store.checkpoints!.stats.restarts).toBe(1);
      // The next commit writes the WAL from its start and cuts the file back to the limit.
      expect(await burst(store, 1)).toBe(25);
      expect(walSize(file)).toBeLessThanOrEqual(MiB);
      // Every acknowledged append is there, through the store and from the database file alone.
      const total = before + during + more + 25;
      expect(await readWholeLog(store)).toHaveLength(total);
      expect(reader.prepare('SELECT count(*) AS n FROM events').get()).toEqual({ n: total });
    } finally {
      reader.close();
      await store.close();
    }
    const reopened = new Database(file, { readonly: true });
    try {
      expect(reopened.prepare('SELECT count(*) AS n FROM events').get()).toEqual({ n: 2 * 25 + 40 * 25 + 25 + 25 });
    } finally {
      reopened.close();
    }
  });

  it('without a limit leaves the file as large as it grew (a PASSIVE checkpoint never shrinks it)', async () => {
    const file = join(dir, 'unlimited.db');
    const store = await SqliteEventStore.open(file, { checkpointEveryMs: 600_000, walLimitBytes: 0 });
    const reader = new Database(file, { readonly: true });
    try {
      reader.exec('BEGIN');
      reader.prepare('SELECT count(*) AS n FROM events').get();
      await burst(store, 40);
      reader.exec('COMMIT');
      await store.checkpoints!.checkpointNow();
      await burst(store, 1);
      const { walFrames, copied, restarts } = store.checkpoints!.stats;
      expect(copied).toBe(walFrames);
      expect(restarts).toBe(0);
      expect(walSize(file)).toBeGreaterThan(4 * MiB);
    } finally {
      reader.close();
      await store.close();
    }
  });

  it('keeps the WAL near the limit under appends with checkpoints every few milliseconds, losing none', async () => {
    const file = join(dir, 'steady.db');
    const store = await SqliteEventStore.open(file, { checkpointEveryMs: 5, walLimitBytes: MiB });
    let acknowledged = 0;
    try {
      acknowledged = await burst(store, 60);
      // Writes stopped: the next checkpoint starts over whatever is left past the limit (twice:
      // the first may resolve on the report of a timed checkpoint begun before the last
      // commit), and the next commit cuts the file back.
      await store.checkpoints!.checkpointNow();
      await store.checkpoints!.checkpointNow();
      expect(store.checkpoints!.stats.restarts).toBeGreaterThan(0);
      acknowledged += await burst(store, 1);
      expect(walSize(file)).toBeLessThanOrEqual(MiB);
      expect(await readWholeLog(store)).toHaveLength(acknowledged);
    } finally {
      await store.close();
    }
    const reopened = new Database(file, { readonly: true });
    try {
      expect(reopened.prepare('SELECT count(*) AS n FROM events').get()).toEqual({ n: acknowledged });
    } finally {
      reopened.close();
    }
  });

  it('tells the store when the thread cannot checkpoint, so that commits checkpoint again', async () => {
    const failures: Error[] = [];
    const checkpointer = new WalCheckpointer(join(dir, 'missing', 'folder', 'x.db'), 20, (error) =>
      failures.push(error),
    );
    await until(() => failures.length > 0, 'the failure', 2000);
    expect(failures).toHaveLength(1);
    expect(failures[0].message).toMatch(/directory|open|exited/i);
    await checkpointer.stop();
  });

  it('turns the automatic checkpoint back on in the store when its thread dies', async () => {
    const store = await SqliteEventStore.open(join(dir, 'dies.db'), { checkpointEveryMs: 20 });
    const raw = (store as unknown as { db: Database.Database }).db;
    expect(raw.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    // Fault injection: the thread is terminated from outside.
    await (store.checkpoints as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await until(() => raw.pragma('wal_autocheckpoint', { simple: true }) !== 0, 'the automatic checkpoint', 2000);
    expect(raw.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await store.append(`thing-${randomUUID()}`, [anEvent()], { expectedRevision: 'no_stream' });
    await store.close();
  });

  it('is off unless asked for: the commits checkpoint as SQLite does by default', async () => {
    const store = await SqliteEventStore.open(join(dir, 'default.db'));
    const raw = (store as unknown as { db: Database.Database }).db;
    expect(raw.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(store.checkpoints).toBeUndefined();
    await store.close();
  });
});
