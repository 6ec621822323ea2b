import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { anEvent, until } from '@accord/event-store/conformance/event-store.conformance';
import { SqliteEventStore } from './sqlite-event-store';

/** Well under the old busy wait (5 s of sleep on the thread), well over what a loaded test machine adds. */
const STALL_MS = 100;

describe('SqliteEventStore while another connection holds the write lock', () => {
  let dir: string;
  let file: string;
  let store: SqliteEventStore;
  let other: Database.Database;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'accord-sqlite-locks-'));
    file = join(dir, 'events.db');
    store = await SqliteEventStore.open(file, { busyTimeoutMs: 1000 });
    other = new Database(file); // another process's connection, as far as SQLite knows
  });
  afterEach(async () => {
    if (other.inTransaction) other.exec('ROLLBACK');
    other.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('waits on timers, not on the thread, and then commits every append of the wait in one group', async () => {
    other.exec('BEGIN IMMEDIATE');
    const histogram = monitorEventLoopDelay({ resolution: 5 });
    histogram.enable();
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    const commitsBefore = store.stats.commits;
    const streams = Array.from({ length: 5 }, () => `thing-${randomUUID()}`);
    const appended = streams.map((stream) => store.append(stream, [anEvent('ThingHappened', {})]));
    // The first group found the lock held: an append made now joins it while it waits.
    await until(() => store.stats.lockWaits >= 1);
    const later = store.append(streams[0], [anEvent('ThingHappened', { late: true })]);
    const waitsThen = store.stats.lockWaits;
    // The other connection lets go once the group (with `later`) waited again and the loop kept turning.
    await until(() => store.stats.lockWaits > waitsThen && ticks > 10);
    expect(store.stats.commits).toBe(commitsBefore);
    other.exec('COMMIT');
    const results = await Promise.all([...appended, later]);
    clearInterval(ticker);
    histogram.disable();

    expect(histogram.max / 1e6).toBeLessThan(STALL_MS);
    expect(ticks).toBeGreaterThan(10); // the loop kept turning while the appends waited
    expect(results.map((r) => r.revision)).toEqual([0, 0, 0, 0, 0, 1]);
    expect(store.stats.commits - commitsBefore).toBe(1);
    expect(await store.readStream(streams[0])).toHaveLength(2);
  });

  it('fails the appends that waited busyTimeoutMs with SQLITE_BUSY, and nothing of them is written', async () => {
    other.exec('BEGIN IMMEDIATE');
    const stream = `thing-${randomUUID()}`;
    const started = performance.now();
    await expect(store.append(stream, [anEvent('ThingHappened', {})])).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
    other.exec('COMMIT');
    expect(await store.readStream(stream)).toEqual([]);
    await expect(store.append(stream, [anEvent('ThingHappened', {})])).resolves.toMatchObject({ revision: 0 });
  });

  it('on close, still writes the appends that are waiting for the lock', async () => {
    other.exec('BEGIN IMMEDIATE');
    const stream = `thing-${randomUUID()}`;
    const appended = store.append(stream, [anEvent('ThingHappened', {})]);
    await until(() => store.stats.lockWaits >= 1);
    const closing = store.close();
    // close() keeps trying while the lock is held: let go once it has tried again.
    const waitsThen = store.stats.lockWaits;
    await until(() => store.stats.lockWaits > waitsThen);
    other.exec('COMMIT');
    await closing;
    await expect(appended).resolves.toMatchObject({ revision: 0 });
    const reopened = await SqliteEventStore.open(file);
    try {
      expect(await reopened.readStream(stream)).toHaveLength(1);
    } finally {
      await reopened.close();
    }
  });
});
