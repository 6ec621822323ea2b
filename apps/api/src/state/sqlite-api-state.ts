import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { ApiKeyRecord, ApiStateStore, IdempotencyRecord } from './api-state.port';

interface KeyRow {
  id: string;
  name: string;
  role: ApiKeyRecord['role'];
  party: string | null;
  key_hash: string;
  created_at: string;
}

/** Keys and idempotency records in the store's own SQLite file, on a connection of their own. */
export class SqliteApiState implements ApiStateStore {
  /** Also holds the read models and checkpoints that live beside the store. */
  readonly db: Database.Database;

  constructor(filename: string) {
    if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        party TEXT,
        key_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS idempotency_keys (
        principal_id TEXT NOT NULL,
        key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        status INTEGER NOT NULL,
        body TEXT NOT NULL,
        etag TEXT,
        created_at TEXT NOT NULL,
        PRIMARY KEY (principal_id, key)
      ) WITHOUT ROWID;
    `);
  }

  async putKey(r: ApiKeyRecord): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO api_keys (id, name, role, party, key_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, party = excluded.party,
           key_hash = excluded.key_hash`,
      )
      .run(r.id, r.name, r.role, r.party, r.keyHash, r.createdAt);
  }

  async findKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    return toKey(this.db.prepare('SELECT * FROM api_keys WHERE key_hash = ?').get(keyHash) as KeyRow | undefined);
  }

  async findKeyById(id: string): Promise<ApiKeyRecord | undefined> {
    return toKey(this.db.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as KeyRow | undefined);
  }

  async getIdempotency(principalId: string, key: string): Promise<IdempotencyRecord | undefined> {
    const row = this.db
      .prepare('SELECT * FROM idempotency_keys WHERE principal_id = ? AND key = ?')
      .get(principalId, key) as Record<string, unknown> | undefined;
    if (!row) return undefined;
    return {
      principalId: row.principal_id as string,
      key: row.key as string,
      requestHash: row.request_hash as string,
      status: row.status as number,
      body: row.body as string,
      etag: (row.etag as string | null) ?? null,
      createdAt: row.created_at as string,
    };
  }

  async putIdempotency(r: IdempotencyRecord): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO idempotency_keys (principal_id, key, request_hash, status, body, etag, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(r.principalId, r.key, r.requestHash, r.status, r.body, r.etag, r.createdAt);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

function toKey(row: KeyRow | undefined): ApiKeyRecord | undefined {
  if (!row) return undefined;
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    party: row.party,
    keyHash: row.key_hash,
    createdAt: row.created_at,
  };
}
