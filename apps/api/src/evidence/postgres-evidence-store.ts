import type { SqlDb } from '@accord/sql';
import {
  checkedContent,
  sha256Of,
  type EvidenceFile,
  type EvidenceStore,
  type StoredEvidence,
} from './evidence-store.port';

interface Row {
  sha256: string;
  media_type: string;
  size: number;
  content?: Buffer;
}

/**
 * Evidence in the PostgreSQL database (and schema) of the event store, table `evidence`: the
 * bytes are in a `bytea` beside the events, so a database backup holds them too.
 */
export class PostgresEvidenceStore implements EvidenceStore {
  private ready: Promise<void> | undefined;

  /** `owned`: this store opened `db` and closes it. */
  constructor(
    readonly db: SqlDb,
    private readonly owned = false,
  ) {}

  private setup(): Promise<void> {
    // Two instances creating the table at once can collide in pg_type: the lock serialises them.
    this.ready ??= this.db.exec(`SELECT pg_advisory_xact_lock(hashtext('accord.evidence.setup'));
      CREATE TABLE IF NOT EXISTS evidence (
        sha256 TEXT PRIMARY KEY,
        media_type TEXT NOT NULL,
        size BIGINT NOT NULL,
        content BYTEA NOT NULL,
        stored_at TIMESTAMPTZ NOT NULL DEFAULT now()
      );`);
    return this.ready;
  }

  async put(content: Buffer, mediaType: string): Promise<StoredEvidence> {
    await this.setup();
    const sha256 = sha256Of(content);
    // New bytes are inserted; bytes already there stay, unless they were changed since, when the
    // upload of the right ones puts them back (the row's type is kept either way).
    const written = await this.db.execute(
      `INSERT INTO evidence (sha256, media_type, size, content) VALUES (?, ?, ?, ?)
       ON CONFLICT (sha256) DO UPDATE SET content = excluded.content, size = excluded.size
       WHERE evidence.content IS DISTINCT FROM excluded.content`,
      [sha256, mediaType, content.length, content],
    );
    const file = await this.find(sha256);
    return { file: file!, created: written > 0 };
  }

  async find(sha256: string): Promise<EvidenceFile | undefined> {
    await this.setup();
    const [row] = await this.db.query<Row>('SELECT sha256, media_type, size FROM evidence WHERE sha256 = ?', [sha256]);
    return row && { sha256: row.sha256, mediaType: row.media_type, size: Number(row.size) };
  }

  async read(sha256: string): Promise<{ file: EvidenceFile; content: Buffer } | undefined> {
    await this.setup();
    const [row] = await this.db.query<Row>('SELECT sha256, media_type, size, content FROM evidence WHERE sha256 = ?', [
      sha256,
    ]);
    if (!row) return undefined;
    const content = checkedContent(sha256, row.content!);
    return { file: { sha256, mediaType: row.media_type, size: content.length }, content };
  }

  async close(): Promise<void> {
    if (this.owned) await this.db.close();
  }
}
