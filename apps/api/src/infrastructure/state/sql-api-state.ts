import { SqliteDb, type SqlDb } from '@accord/sql';
import type { ApiKeyRecord, ApiStateStore } from './api-state.port';

interface KeyRow {
  id: string;
  name: string;
  role: ApiKeyRecord['role'];
  party: string | null;
  key_hash: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

/** Columns api_keys gained after its first version, added to older databases at setup. */
const ADDED_KEY_COLUMNS = ['expires_at', 'revoked_at', 'last_used_at'] as const;

/** API keys in the database beside the store (SQLite or PostgreSQL); idempotency claims: IdempotencyClaims. */
export class SqlApiState implements ApiStateStore {
  private ready: Promise<void> | undefined;
  private keysReady: Promise<void> | undefined;

  constructor(readonly db: SqlDb) {}

  setup(): Promise<void> {
    // Two PostgreSQL instances creating one table at once can collide in pg_type: the script
    // is one implicit transaction, so the advisory lock holds until its end.
    const lock =
      this.db.dialect === 'postgres' ? "SELECT pg_advisory_xact_lock(hashtext('accord.api_keys.setup'));" : '';
    this.ready ??= this.db.exec(`${lock}
      CREATE TABLE IF NOT EXISTS api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        party TEXT,
        key_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
      );
    `);
    return this.ready;
  }

  /** setup, then the key columns added since api_keys' first version. */
  private setupKeys(): Promise<void> {
    this.keysReady ??= this.setup().then(() => this.addKeyColumns());
    return this.keysReady;
  }

  /** ALTER TABLE for the columns an older api_keys lacks; another instance may be adding them too. */
  private async addKeyColumns(): Promise<void> {
    const present = async () =>
      new Set(
        (this.db.dialect === 'postgres'
          ? await this.db.query<{ name: string }>(
              `SELECT column_name AS name FROM information_schema.columns
               WHERE table_schema = current_schema() AND table_name = 'api_keys'`,
            )
          : await this.db.query<{ name: string }>("SELECT name FROM pragma_table_info('api_keys')")
        ).map((c) => c.name),
      );
    const before = await present();
    for (const column of ADDED_KEY_COLUMNS.filter((c) => !before.has(c))) {
      try {
        await this.db.exec(
          `ALTER TABLE api_keys ADD COLUMN ${this.db.dialect === 'postgres' ? 'IF NOT EXISTS ' : ''}${column} TEXT`,
        );
      } catch (error) {
        // SQLite has no IF NOT EXISTS here: "duplicate column name" when another process won.
        if (!(await present()).has(column)) throw error;
      }
    }
  }

  async putKey(r: ApiKeyRecord): Promise<void> {
    await this.setupKeys();
    await this.db.execute(
      `INSERT INTO api_keys (id, name, role, party, key_hash, created_at, expires_at, revoked_at, last_used_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [r.id, r.name, r.role, r.party, r.keyHash, r.createdAt, r.expiresAt, r.revokedAt, r.lastUsedAt],
    );
  }

  async findKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    await this.setupKeys();
    return toKey((await this.db.query<KeyRow>('SELECT * FROM api_keys WHERE key_hash = ?', [keyHash]))[0]);
  }

  async findKeyById(id: string): Promise<ApiKeyRecord | undefined> {
    await this.setupKeys();
    return toKey((await this.db.query<KeyRow>('SELECT * FROM api_keys WHERE id = ?', [id]))[0]);
  }

  async listKeys(): Promise<ApiKeyRecord[]> {
    await this.setupKeys();
    const rows = await this.db.query<KeyRow>('SELECT * FROM api_keys ORDER BY created_at, id');
    return rows.map((row) => toKey(row)!);
  }

  async revokeKey(id: string, at: string): Promise<boolean> {
    await this.setupKeys();
    const sql = 'UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL';
    return (await this.db.execute(sql, [at, id])) > 0;
  }

  async touchKey(id: string, at: string, notBefore: string): Promise<boolean> {
    await this.setupKeys();
    const sql = 'UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)';
    if (this.db instanceof SqliteDb) return touchWithoutWaiting(this.db, sql, [at, id, notBefore]);
    return (await this.db.execute(sql, [at, id, notBefore])) > 0;
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
    expiresAt: row.expires_at ?? null,
    revokedAt: row.revoked_at ?? null,
    lastUsedAt: row.last_used_at ?? null,
  };
}

/**
 * One autocommit UPDATE on SQLite that gives up at once when another connection holds the
 * write lock (busy_timeout 0 for this statement), instead of busy-waiting on the event loop;
 * and never slips into a transaction this connection has open between its awaits. All of it
 * is synchronous, so nothing of this process runs between the pragmas and the statement.
 */
function touchWithoutWaiting(db: SqliteDb, sql: string, params: readonly unknown[]): boolean {
  const raw = db.raw;
  if (!raw.open || raw.inTransaction) return false;
  const timeout = raw.pragma('busy_timeout', { simple: true }) as number;
  raw.pragma('busy_timeout = 0');
  try {
    return raw.prepare(sql).run(...params).changes > 0;
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) return false;
    throw error;
  } finally {
    raw.pragma(`busy_timeout = ${timeout}`);
  }
}
