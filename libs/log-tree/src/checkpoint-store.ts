import { formatCheckpoint, signNote, addSignatureLines, type NoteSigner } from '@accord/signed-note';
import type { SqlDb, SqlRunner } from '@accord/sql';
import { CompactRange, sameHash } from '@accord/merkle';
import { fromHex, toHex } from './leaf';
import type { TreeHead } from './sql-log-tree';

/** A checkpoint as kept: the operator's signed note over one tree size. */
export interface StoredCheckpoint {
  readonly treeSize: number;
  readonly rootHash: Uint8Array;
  /** The log position of the last leaf it covers (0 when empty). */
  readonly position: number;
  /** The signed note, as the operator signed it (no cosignatures). */
  readonly note: string;
  readonly createdAt: string;
  /**
   * The tree's right edge at that size (CompactRange encoding), when it was kept: its subtrees
   * fold to the signed root, so each is as good as signed, and verify narrows a rewrite with them.
   */
  readonly edge?: CompactRange;
}

/** A witness's cosignature line over one checkpoint, as received and verified. */
export interface StoredCosignature {
  readonly treeSize: number;
  /** The witness key's name. */
  readonly witness: string;
  /** Hex key ID. */
  readonly keyId: string;
  readonly party: string;
  /** POSIX seconds, as the witness signed. */
  readonly timestamp: number;
  /** `— <name> <base64>\n`. */
  readonly line: string;
  readonly receivedAt: string;
}

const TABLES = `CREATE TABLE IF NOT EXISTS audit_checkpoints (
  tree_size BIGINT PRIMARY KEY,
  root_hash TEXT NOT NULL,
  position BIGINT NOT NULL,
  note TEXT NOT NULL,
  created_at TEXT NOT NULL,
  edge TEXT
);
CREATE TABLE IF NOT EXISTS audit_cosignatures (
  tree_size BIGINT NOT NULL,
  key_id TEXT NOT NULL,
  witness TEXT NOT NULL,
  party TEXT NOT NULL,
  ts BIGINT NOT NULL,
  line TEXT NOT NULL,
  received_at TEXT NOT NULL,
  PRIMARY KEY (tree_size, key_id)
);`;

interface CheckpointRow {
  tree_size: number | string;
  root_hash: string;
  position: number | string;
  note: string;
  created_at: string;
  edge: string | null;
}

interface CosignatureRow {
  tree_size: number | string;
  key_id: string;
  witness: string;
  party: string;
  ts: number | string;
  line: string;
  received_at: string;
}

const checkpointOf = (row: CheckpointRow): StoredCheckpoint => ({
  treeSize: Number(row.tree_size),
  rootHash: fromHex(row.root_hash),
  position: Number(row.position),
  note: row.note,
  createdAt: row.created_at,
  ...(row.edge ? { edge: CompactRange.decode(fromHex(row.edge)) } : {}),
});

const cosignatureOf = (row: CosignatureRow): StoredCosignature => ({
  treeSize: Number(row.tree_size),
  keyId: row.key_id,
  witness: row.witness,
  party: row.party,
  timestamp: Number(row.ts),
  line: row.line,
  receivedAt: row.received_at,
});

const COLUMNS = 'tree_size, root_hash, position, note, created_at, edge';

/**
 * The checkpoints the operator signed, each kept for good (never rebuilt: they are what a
 * later log is held to), and the cosignatures the witnesses posted for them.
 */
export class CheckpointStore {
  private ready: Promise<void> | undefined;

  constructor(readonly db: SqlDb) {}

  setup(): Promise<void> {
    const lock =
      this.db.dialect === 'postgres' ? "SELECT pg_advisory_xact_lock(hashtext('accord.audit_checkpoints.setup'));" : '';
    this.ready ??= this.db.exec(`${lock}${TABLES}`);
    return this.ready;
  }

  /**
   * Signs the tree head as a checkpoint and keeps it. Signing is deterministic (Ed25519), so two
   * instances signing one size write the same note; the first insert wins, and both answer it.
   */
  async record(origin: string, signer: NoteSigner, head: TreeHead, now = new Date()): Promise<StoredCheckpoint> {
    await this.setup();
    const text = formatCheckpoint({ origin, size: head.size, rootHash: head.root, extensions: [] });
    const note = signNote(text, [signer]);
    await this.db.execute(
      `INSERT INTO audit_checkpoints (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tree_size) DO NOTHING`,
      [
        head.size,
        toHex(head.root),
        head.position,
        note,
        now.toISOString(),
        head.range && head.range.size === head.size && sameHash(head.range.root(), head.root)
          ? toHex(head.range.encode())
          : null,
      ],
    );
    return (await this.get(head.size))!;
  }

  async latest(db: SqlRunner = this.db): Promise<StoredCheckpoint | undefined> {
    await this.setup();
    const [row] = await db.query<CheckpointRow>(
      `SELECT ${COLUMNS} FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1`,
    );
    return row ? checkpointOf(row) : undefined;
  }

  async get(treeSize: number): Promise<StoredCheckpoint | undefined> {
    await this.setup();
    const [row] = await this.db.query<CheckpointRow>(`SELECT ${COLUMNS} FROM audit_checkpoints WHERE tree_size = ?`, [
      treeSize,
    ]);
    return row ? checkpointOf(row) : undefined;
  }

  /** Newest first: `limit` checkpoints below `before` (a tree size), or from the newest. */
  async list(options: { before?: number; limit: number }): Promise<StoredCheckpoint[]> {
    await this.setup();
    const rows = await this.db.query<CheckpointRow>(
      `SELECT ${COLUMNS} FROM audit_checkpoints ${options.before === undefined ? '' : 'WHERE tree_size < ?'}
       ORDER BY tree_size DESC LIMIT ?`,
      options.before === undefined ? [options.limit] : [options.before, options.limit],
    );
    return rows.map(checkpointOf);
  }

  /** Every checkpoint, oldest first (verify holds the log to each). */
  async all(): Promise<StoredCheckpoint[]> {
    await this.setup();
    const rows = await this.db.query<CheckpointRow>(`SELECT ${COLUMNS} FROM audit_checkpoints ORDER BY tree_size`);
    return rows.map(checkpointOf);
  }

  /** Keeps a verified cosignature; a second one by the same key for that size replaces it (a newer time). */
  async addCosignature(cosignature: StoredCosignature): Promise<void> {
    await this.setup();
    await this.db.execute(
      `INSERT INTO audit_cosignatures (tree_size, key_id, witness, party, ts, line, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (tree_size, key_id) DO UPDATE SET ts = excluded.ts, line = excluded.line,
         received_at = excluded.received_at, witness = excluded.witness, party = excluded.party`,
      [
        cosignature.treeSize,
        cosignature.keyId,
        cosignature.witness,
        cosignature.party,
        cosignature.timestamp,
        cosignature.line,
        cosignature.receivedAt,
      ],
    );
  }

  async cosignaturesOf(treeSizes: readonly number[]): Promise<Map<number, StoredCosignature[]>> {
    await this.setup();
    const found = new Map<number, StoredCosignature[]>(treeSizes.map((s) => [s, []]));
    if (treeSizes.length === 0) return found;
    const rows = await this.db.query<CosignatureRow>(
      `SELECT tree_size, key_id, witness, party, ts, line, received_at FROM audit_cosignatures
       WHERE tree_size IN (${treeSizes.map(() => '?').join(', ')}) ORDER BY tree_size, party, witness`,
      treeSizes,
    );
    for (const row of rows) found.get(Number(row.tree_size))?.push(cosignatureOf(row));
    return found;
  }
}

/** The checkpoint's note with its cosignature lines after the operator's: what a verifier opens. */
export function cosignedNote(checkpoint: StoredCheckpoint, cosignatures: readonly StoredCosignature[]): string {
  return cosignatures.length === 0
    ? checkpoint.note
    : addSignatureLines(
        checkpoint.note,
        cosignatures.map((c) => c.line),
      );
}
