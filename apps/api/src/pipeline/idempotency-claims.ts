import type { SqlDb } from '@accord/sql';

/** A claim on (principal, Idempotency-Key): pending while its command runs, then its answer. */
export interface IdempotencyClaim {
  readonly requestHash: string;
  /** Who runs the command now (a random token per attempt); null for records from before claims. */
  readonly owner: string | null;
  /** When the current owner claimed it (ms since the epoch). */
  readonly claimedAt: number;
  /** null while the command runs. */
  readonly answer: IdempotentAnswer | null;
}

/**
 * The first answer to a key, as it was sent: status, body bytes and the headers that carry
 * meaning. `contentType` and `location` are null in records kept before they were.
 */
export interface IdempotentAnswer {
  readonly status: number;
  readonly body: string;
  readonly etag: string | null;
  readonly contentType: string | null;
  readonly location: string | null;
}

/** Status 0 marks a claim whose command has not answered yet (the table predates claims). */
const PENDING = 0;

interface ClaimRow {
  request_hash: string;
  owner: string | null;
  claimed_at: number | string | null;
  status: number | string;
  body: string;
  etag: string | null;
  content_type: string | null;
  location: string | null;
}

/**
 * Idempotency records as claims, in the database beside the store (decision 0015). A claim is
 * one `INSERT … ON CONFLICT DO NOTHING`: exactly one request of any instance gets it. Every
 * statement stands alone, so no write transaction is ever held across an await.
 */
export class IdempotencyClaims {
  private ready: Promise<void> | undefined;

  constructor(readonly db: SqlDb) {}

  setup(): Promise<void> {
    this.ready ??= (async () => {
      // Two PostgreSQL instances creating one table at once can collide in pg_type: the
      // script is one implicit transaction, so the advisory lock holds until its end.
      const lock =
        this.db.dialect === 'postgres'
          ? "SELECT pg_advisory_xact_lock(hashtext('accord.idempotency_keys.setup'));"
          : '';
      await this.db.exec(`${lock}
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
      // Records kept before claims existed are finished answers: they get no owner.
      await this.addColumn('owner', 'TEXT');
      await this.addColumn('claimed_at', 'BIGINT');
      // The answer's headers, so that a replay sends them as the first answer did.
      await this.addColumn('content_type', 'TEXT');
      await this.addColumn('location', 'TEXT');
    })();
    return this.ready;
  }

  private async addColumn(name: string, type: string): Promise<void> {
    if (this.db.dialect === 'postgres') {
      await this.db.exec(`ALTER TABLE idempotency_keys ADD COLUMN IF NOT EXISTS ${name} ${type}`);
      return;
    }
    const columns = await this.db.query<{ name: string }>('PRAGMA table_info(idempotency_keys)');
    if (columns.some((c) => c.name === name)) return;
    try {
      await this.db.exec(`ALTER TABLE idempotency_keys ADD COLUMN ${name} ${type}`);
    } catch (error) {
      // Another process added it first.
      if (!/duplicate column/i.test(String((error as Error).message))) throw error;
    }
  }

  /** Claims (principal, key) for `owner`; resolves false when someone holds or answered it. */
  async claim(principalId: string, key: string, requestHash: string, owner: string, now: number): Promise<boolean> {
    await this.setup();
    const changed = await this.db.execute(
      `INSERT INTO idempotency_keys (principal_id, key, request_hash, status, body, etag, created_at, owner, claimed_at)
       VALUES (?, ?, ?, ${PENDING}, '', NULL, ?, ?, ?) ON CONFLICT DO NOTHING`,
      [principalId, key, requestHash, new Date(now).toISOString(), owner, now],
    );
    return changed === 1;
  }

  async get(principalId: string, key: string): Promise<IdempotencyClaim | undefined> {
    await this.setup();
    const [row] = await this.db.query<ClaimRow>(
      `SELECT request_hash, owner, claimed_at, status, body, etag, content_type, location
       FROM idempotency_keys WHERE principal_id = ? AND key = ?`,
      [principalId, key],
    );
    if (!row) return undefined;
    const status = Number(row.status);
    return {
      requestHash: row.request_hash,
      owner: row.owner,
      claimedAt: row.claimed_at === null ? 0 : Number(row.claimed_at),
      answer:
        status === PENDING
          ? null
          : { status, body: row.body, etag: row.etag, contentType: row.content_type, location: row.location },
    };
  }

  /** Takes over a pending claim whose owner went quiet; false when it changed meanwhile. */
  async takeOver(
    principalId: string,
    key: string,
    seen: IdempotencyClaim,
    owner: string,
    now: number,
  ): Promise<boolean> {
    await this.setup();
    const changed = await this.db.execute(
      `UPDATE idempotency_keys SET owner = ?, claimed_at = ?
       WHERE principal_id = ? AND key = ? AND status = ${PENDING} AND owner = ? AND claimed_at = ?`,
      [owner, now, principalId, key, seen.owner, seen.claimedAt],
    );
    return changed === 1;
  }

  /**
   * Keeps the answer of a pending claim. The first answer written wins: false when another
   * was kept first (an owner that stalled past its lease and one that took over both ran).
   */
  async answer(principalId: string, key: string, answer: IdempotentAnswer): Promise<boolean> {
    await this.setup();
    const changed = await this.db.execute(
      `UPDATE idempotency_keys SET status = ?, body = ?, etag = ?, content_type = ?, location = ?
       WHERE principal_id = ? AND key = ? AND status = ${PENDING}`,
      [answer.status, answer.body, answer.etag, answer.contentType, answer.location, principalId, key],
    );
    return changed === 1;
  }

  /** Gives a claim up (our own failure): the next request with the key runs afresh. */
  async release(principalId: string, key: string, owner: string): Promise<void> {
    await this.setup();
    await this.db.execute(
      `DELETE FROM idempotency_keys WHERE principal_id = ? AND key = ? AND status = ${PENDING} AND owner = ?`,
      [principalId, key, owner],
    );
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
