import type { SqlDb } from '@accord/projections';
import type { ApiKeyRecord, ApiStateStore, IdempotencyRecord } from './api-state.port';

interface KeyRow {
  id: string;
  name: string;
  role: ApiKeyRecord['role'];
  party: string | null;
  key_hash: string;
  created_at: string;
}

/** Keys and idempotency records in the database beside the store (SQLite or PostgreSQL). */
export class SqlApiState implements ApiStateStore {
  private ready: Promise<void> | undefined;

  constructor(readonly db: SqlDb) {}

  setup(): Promise<void> {
    this.ready ??= this.db.exec(`
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
      );
    `);
    return this.ready;
  }

  async putKey(r: ApiKeyRecord): Promise<void> {
    await this.setup();
    await this.db.execute(
      `INSERT INTO api_keys (id, name, role, party, key_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, party = excluded.party,
         key_hash = excluded.key_hash`,
      [r.id, r.name, r.role, r.party, r.keyHash, r.createdAt],
    );
  }

  async findKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    await this.setup();
    return toKey((await this.db.query<KeyRow>('SELECT * FROM api_keys WHERE key_hash = ?', [keyHash]))[0]);
  }

  async findKeyById(id: string): Promise<ApiKeyRecord | undefined> {
    await this.setup();
    return toKey((await this.db.query<KeyRow>('SELECT * FROM api_keys WHERE id = ?', [id]))[0]);
  }

  async getIdempotency(principalId: string, key: string): Promise<IdempotencyRecord | undefined> {
    await this.setup();
    const [row] = await this.db.query<Record<string, unknown>>(
      'SELECT * FROM idempotency_keys WHERE principal_id = ? AND key = ?',
      [principalId, key],
    );
    if (!row) return undefined;
    return {
      principalId: row.principal_id as string,
      key: row.key as string,
      requestHash: row.request_hash as string,
      status: Number(row.status),
      body: row.body as string,
      etag: (row.etag as string | null) ?? null,
      createdAt: row.created_at as string,
    };
  }

  async putIdempotency(r: IdempotencyRecord): Promise<void> {
    await this.setup();
    await this.db.execute(
      `INSERT INTO idempotency_keys (principal_id, key, request_hash, status, body, etag, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      [r.principalId, r.key, r.requestHash, r.status, r.body, r.etag, r.createdAt],
    );
  }

  async close(): Promise<void> {
    await this.db.close();
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
