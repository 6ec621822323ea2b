import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  describeWithPostgres,
  dropTestSchema,
  TEST_PG_URL,
  testSchemaName,
} from '@accord/event-store-postgres/testing/postgres-test-database';
import { PostgresDb, SqliteDb } from '@accord/sql';
import { leaveCheckpointsToTheStore, openSideDb, openWorkersDb } from './open-api-state';

describe('the databases beside a SQLite store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'accord-side-db-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps keys and idempotency records on a connection that fsyncs every commit', async () => {
    const db = openSideDb(`sqlite:${join(dir, 'a.db')}`) as SqliteDb;
    expect(db.raw.pragma('synchronous', { simple: true })).toBe(2); // FULL
    await db.close();
  });

  it('gives the workers a connection that commits without waiting for the disk, on the same file', async () => {
    const file = join(dir, 'b.db');
    const side = openSideDb(`sqlite:${file}`);
    const workers = openWorkersDb(`sqlite:${file}`) as SqliteDb;
    expect(workers.raw.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(workers.raw.pragma('journal_mode', { simple: true })).toBe('wal');
    await workers.exec('CREATE TABLE t (x INTEGER NOT NULL)');
    await workers.transaction(async (tx) => void (await tx.execute('INSERT INTO t (x) VALUES (?)', [42])));
    expect(await side.query('SELECT x FROM t')).toEqual([{ x: 42 }]);
    await workers.close();
    await side.close();
  });

  it('leaves WAL checkpoints to the store on the same file, and only there', async () => {
    const url = `sqlite:${join(dir, 'c.db')}`;
    const side = leaveCheckpointsToTheStore(openSideDb(url), url) as SqliteDb;
    const workers = openWorkersDb(url) as SqliteDb;
    expect(side.raw.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    expect(workers.raw.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const memory = leaveCheckpointsToTheStore(openSideDb('memory:'), 'memory:') as SqliteDb;
    expect(memory.raw.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await Promise.all([side.close(), workers.close(), memory.close()]);
  });
});

describeWithPostgres('the databases beside a PostgreSQL store', () => {
  const schema = testSchemaName();
  afterAll(() => dropTestSchema(schema));

  it('turns synchronous_commit off for the workers only', async () => {
    const url = `${TEST_PG_URL}?schema=${schema}`;
    const side = openSideDb(url) as PostgresDb;
    const workers = openWorkersDb(url) as PostgresDb;
    try {
      expect(await side.query('SHOW synchronous_commit')).toEqual([{ synchronous_commit: 'on' }]);
      expect(await workers.query('SHOW synchronous_commit')).toEqual([{ synchronous_commit: 'off' }]);
      // Every connection of the pool, not only the first: four transactions held open at once.
      let entered = 0;
      let allIn!: () => void;
      const together = new Promise<void>((resolve) => (allIn = resolve));
      const shown = await Promise.all(
        Array.from({ length: 4 }, () =>
          workers.transaction(async (tx) => {
            if (++entered === 4) allIn();
            await together;
            return tx.query('SHOW synchronous_commit');
          }),
        ),
      );
      expect(shown.flat()).toEqual(Array(4).fill({ synchronous_commit: 'off' }));
    } finally {
      await workers.close();
      await side.close();
    }
  });
});
