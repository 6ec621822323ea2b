import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  describeWithPostgres,
  dropTestSchema,
  TEST_PG_URL,
  testSchemaName,
} from '@accord/event-store-postgres/testing/postgres-test-database';
import { PostgresDb, SqliteDb, type SqlDb } from '@accord/sql';
import { hashKey } from '../../auth/api-keys.service';
import { SqlApiState } from './sql-api-state';

/** The tables as the first version made them, with the admin row it wrote. */
const OLD_SCHEMA = `
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, party TEXT,
    key_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL
  );
  CREATE TABLE idempotency_keys (
    principal_id TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL, status INTEGER NOT NULL,
    body TEXT NOT NULL, etag TEXT, created_at TEXT NOT NULL, PRIMARY KEY (principal_id, key)
  );
  INSERT INTO api_keys VALUES ('admin', 'administrator', 'admin', NULL, '${hashKey('old-admin-key-0123456789')}',
    '2025-01-01T00:00:00.000Z');`;

function migrationCases(open: () => Promise<{ db: () => SqlDb; dispose: () => Promise<void> }>) {
  it('adds the expiry, revocation and last-use columns to a database from before them, keeping its keys', async () => {
    const { db, dispose } = await open();
    try {
      const old = db();
      await old.exec(OLD_SCHEMA);
      await old.close();
      // Two instances starting at once on the old database.
      const [a, b] = [new SqlApiState(db()), new SqlApiState(db())];
      const [found] = await Promise.all([a.findKeyByHash(hashKey('old-admin-key-0123456789')), b.listKeys()]);
      expect(found).toEqual({
        id: 'admin',
        name: 'administrator',
        role: 'admin',
        party: null,
        keyHash: hashKey('old-admin-key-0123456789'),
        createdAt: '2025-01-01T00:00:00.000Z',
        expiresAt: null,
        revokedAt: null,
        lastUsedAt: null,
      });
      expect(await b.revokeKey('admin', '2026-01-01T00:00:00.000Z')).toBe(true);
      expect(await b.revokeKey('admin', '2026-02-01T00:00:00.000Z')).toBe(false);
      expect(await b.touchKey('admin', '2026-01-01T00:00:00.000Z', '2025-12-31T23:59:00.000Z')).toBe(true);
      expect(await b.touchKey('admin', '2026-01-01T00:00:30.000Z', '2025-12-31T23:59:30.000Z')).toBe(false);
      expect(await a.findKeyById('admin')).toMatchObject({
        revokedAt: '2026-01-01T00:00:00.000Z',
        lastUsedAt: '2026-01-01T00:00:00.000Z',
      });
      await a.close();
      await b.close();
      // And a restart finds the columns there.
      const again = new SqlApiState(db());
      expect(await again.listKeys()).toHaveLength(1);
      await again.close();
    } finally {
      await dispose();
    }
  });
}

describe('SqlApiState keys on SQLite', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'accord-keys-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  migrationCases(async () => ({ db: () => new SqliteDb(join(dir, 'accord.db')), dispose: async () => undefined }));

  it('gives up a last-use write at once while another connection holds the write lock, instead of waiting', async () => {
    const file = join(dir, 'accord.db');
    const state = new SqlApiState(new SqliteDb(file));
    await state.putKey({
      id: 'k',
      name: 'k',
      role: 'auditor',
      party: null,
      keyHash: 'h',
      createdAt: '2026-01-01T00:00:00.000Z',
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
    });
    const busyTimeout = () => (state.db as SqliteDb).raw.pragma('busy_timeout', { simple: true }) as number;
    const timeoutBefore = busyTimeout();
    const other = new SqliteDb(file);
    other.raw.exec('BEGIN IMMEDIATE');
    const started = Date.now();
    expect(await state.touchKey('k', '2026-01-01T00:01:00.000Z', '2026-01-01T00:00:00.000Z')).toBe(false);
    expect(Date.now() - started).toBeLessThan(5_000); // the connection's own wait is not taken
    other.raw.exec('COMMIT');
    expect(await state.touchKey('k', '2026-01-01T00:01:00.000Z', '2026-01-01T00:00:00.000Z')).toBe(true);
    expect(busyTimeout()).toBe(timeoutBefore);
    await other.close();
    await state.close();
  });
});

describeWithPostgres('SqlApiState keys on PostgreSQL', () => {
  migrationCases(async () => {
    const schema = testSchemaName();
    return { db: () => new PostgresDb(TEST_PG_URL, { schema }), dispose: () => dropTestSchema(schema) };
  });
});
