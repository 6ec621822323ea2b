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
