import { randomUUID } from 'node:crypto';
import { generateKey, parseSignerKey, type NoteSigner } from '@accord/signed-note';
import type { SqlDb } from '@accord/sql';

/** The origin line of our checkpoints, and the operator key's name (decision 0025). */
export const originOf = (logId: string): string => `accord.dev/log/${logId}`;
const ORIGIN = /^accord\.dev\/log\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** The log's identity and the operator's signing key. */
export interface LogIdentity {
  readonly logId: string;
  readonly origin: string;
  readonly signer: NoteSigner;
  /** `<origin>+<key ID>+<key>`: what auditors and witnesses are given to check checkpoints. */
  readonly verifierKey: string;
  /** True when this call generated the key (first start): the caller prints the verifier key. */
  readonly generated: boolean;
  /** Where the signing key came from. */
  readonly source: 'configuration' | 'database';
}

/** A configured key that cannot serve this database's log. */
export class LogKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogKeyError';
  }
}

interface LogRow {
  log_id: string;
  verifier_key: string;
  signer_key: string | null;
  created_at: string;
}

const TABLE = `CREATE TABLE IF NOT EXISTS audit_log (
  id TEXT PRIMARY KEY,
  log_id TEXT NOT NULL,
  verifier_key TEXT NOT NULL,
  signer_key TEXT,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_log_keys (
  verifier_key TEXT PRIMARY KEY,
  first_used_at TEXT NOT NULL
);`;

export async function setupLogTables(db: SqlDb): Promise<void> {
  const lock = db.dialect === 'postgres' ? "SELECT pg_advisory_xact_lock(hashtext('accord.audit_log.setup'));" : '';
  await db.exec(`${lock}${TABLE}`);
}

/**
 * The log's identity, made once per database: at the first start a log id (a UUID) and an
 * Ed25519 key named `accord.dev/log/<log id>` are drawn and kept in `audit_log`, unless
 * `configured` (ACCORD_LOG_KEY, a `PRIVATE+KEY+accord.dev/log/<uuid>+…` signer key) is given.
 * A configured key is never written to the database, only its verifier key. Two instances
 * starting at once agree: the first row wins and both read it back.
 */
export async function openLogIdentity(db: SqlDb, configured?: string, now = () => new Date()): Promise<LogIdentity> {
  await setupLogTables(db);
  const fromConfig = configured === undefined ? undefined : configuredSigner(configured);
  const read = async () =>
    (await db.query<LogRow>(`SELECT log_id, verifier_key, signer_key, created_at FROM audit_log WHERE id = 'log'`))[0];
  let row = await read();
  let generated = false;
  if (!row) {
    const logId = fromConfig ? fromConfig.logId : randomUUID();
    const key = fromConfig ? undefined : generateKey(originOf(logId));
    const verifierKey = fromConfig ? fromConfig.signer.verifierKey : key!.verifierKey;
    const inserted = await db.execute(
      `INSERT INTO audit_log (id, log_id, verifier_key, signer_key, created_at) VALUES ('log', ?, ?, ?, ?)
       ON CONFLICT (id) DO NOTHING`,
      [logId, verifierKey, key?.signerKey ?? null, now().toISOString()],
    );
    generated = inserted > 0 && key !== undefined;
    row = (await read())!;
  }
  let signer: NoteSigner;
  let source: LogIdentity['source'];
  if (fromConfig) {
    if (fromConfig.logId !== row.log_id)
      throw new LogKeyError(
        `ACCORD_LOG_KEY names the log ${fromConfig.logId}, but this database holds the log ${row.log_id}: ` +
          `a key is given for the log it signs (its name is ${originOf(row.log_id)})`,
      );
    signer = fromConfig.signer;
    source = 'configuration';
  } else {
    if (!row.signer_key)
      throw new LogKeyError(
        `this database's log key (${row.verifier_key}) was given by ACCORD_LOG_KEY and is not kept here: give it again`,
      );
    signer = parseSignerKey(row.signer_key);
    source = 'database';
  }
  await db.execute(
    `INSERT INTO audit_log_keys (verifier_key, first_used_at) VALUES (?, ?) ON CONFLICT (verifier_key) DO NOTHING`,
    [signer.verifierKey, now().toISOString()],
  );
  return {
    logId: row.log_id,
    origin: originOf(row.log_id),
    signer,
    verifierKey: signer.verifierKey,
    generated,
    source,
  };
}

/** Every operator key this log has signed with, oldest first (a rotated key stays listed). */
export async function logVerifierKeys(db: SqlDb): Promise<string[]> {
  await setupLogTables(db);
  const rows = await db.query<{ verifier_key: string }>(
    'SELECT verifier_key FROM audit_log_keys ORDER BY first_used_at, verifier_key',
  );
  return rows.map((r) => r.verifier_key);
}

function configuredSigner(text: string): { logId: string; signer: NoteSigner } {
  let signer: NoteSigner;
  try {
    signer = parseSignerKey(text.trim());
  } catch (error) {
    throw new LogKeyError(`ACCORD_LOG_KEY is not a signer key: ${(error as Error).message}`);
  }
  const match = ORIGIN.exec(signer.name);
  if (!match || signer.algorithm !== 0x01)
    throw new LogKeyError(
      `ACCORD_LOG_KEY must be an Ed25519 (0x01) key named accord.dev/log/<log id, a lower-case UUID>, not ${signer.name}`,
    );
  return { logId: match[1], signer };
}

/** The origin of this database's log, without making one: undefined before the API first started. */
export async function readLogOrigin(db: SqlDb): Promise<string | undefined> {
  await setupLogTables(db);
  const [row] = await db.query<{ log_id: string }>(`SELECT log_id FROM audit_log WHERE id = 'log'`);
  return row ? originOf(row.log_id) : undefined;
}
