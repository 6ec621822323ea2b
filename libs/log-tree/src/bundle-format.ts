/**
 * The audit bundle (`accord.audit-bundle/v1`): one ndjson file an auditor checks with no
 * database and no server (`accord audit verify-bundle`).
 *
 * Line 1 is the header: the log's origin and operator keys, the cosigned checkpoint note, its
 * tree size, the registered witnesses and when the bundle was made. Then exactly tree-size
 * event lines, leaf (= position) order, each written member by member in this order:
 *
 *     {"position":7,"recordedAt":"…","hash":"<hex>","leaf":"<hex>","event":<leaf input>}
 *
 * `event` is the event's leaf input verbatim: the canonical text its chain hash and its leaf
 * cover (decision 0026's leaf, libs/audit canonicalEvent: streamId, revision, id, type,
 * schemaVersion, data and metadata without its `hash`). The event as stored is that object
 * with `metadata.hash` = `hash`, at `position`, recorded at `recordedAt`. So the verifier
 * hashes bytes of the line as they are (chain: SHA-256(event); leaf: SHA-256(0x00 ‖ event))
 * and never serialises anything again.
 *
 * `leaf` is the leaf hash the operator's tree keeps for the event at that position (null when
 * it keeps none). It proves nothing by itself; when the events do not give the signed root, it
 * lets the verifier name the events that differ from the tree's, and says whether those leaves
 * give the signed root (then the naming is as sure as the signature).
 *
 * `position` and `recordedAt` are the store's, outside every hash (decision 0004): the tree
 * fixes the order, not the numbers.
 */
import { ALGORITHM_COSIGNATURE_V1, parseVerifierKey, SignedNoteError } from '@accord/signed-note';

export const BUNDLE_FORMAT = 'accord.audit-bundle/v1';

/** A registered witness as the bundle names it. */
export interface BundleWitness {
  readonly party: string;
  /** The key's name. */
  readonly name: string;
  /** The cosignature/v1 vkey. */
  readonly verifierKey: string;
}

/** Line 1 of a bundle. */
export interface BundleHeader {
  readonly format: typeof BUNDLE_FORMAT;
  /** The checkpoint's origin line, `accord.dev/log/<log id>`. */
  readonly origin: string;
  /** Every operator key the log has signed with (vkeys), oldest first. */
  readonly logKeys: readonly string[];
  /** The checkpoint's size: the number of event lines that follow. */
  readonly treeSize: number;
  /** The log position of the last event line (0 for an empty tree). */
  readonly position: number;
  /** The signed note of the checkpoint, with the witnesses' cosignature lines. */
  readonly checkpoint: string;
  readonly witnesses: readonly BundleWitness[];
  readonly createdAt: string;
}

/** The file is not a bundle this verifier reads (its header is not one). */
export class BundleFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleFormatError';
  }
}

/** The header line, members in a fixed order, without its newline. */
export function formatHeader(header: Omit<BundleHeader, 'format'>): string {
  return JSON.stringify({
    format: BUNDLE_FORMAT,
    origin: header.origin,
    logKeys: header.logKeys,
    treeSize: header.treeSize,
    position: header.position,
    checkpoint: header.checkpoint,
    witnesses: header.witnesses.map(({ party, name, verifierKey }) => ({ party, name, verifierKey })),
    createdAt: header.createdAt,
  });
}

/** One event line without its newline: `leafInput` is the canonical text, written as it is. */
export function formatEventLine(event: {
  position: number;
  recordedAt: string;
  hash: unknown;
  leaf: string | null;
  leafInput: string;
}): string {
  const hash = typeof event.hash === 'string' ? JSON.stringify(event.hash) : 'null';
  const leaf = event.leaf === null ? 'null' : JSON.stringify(event.leaf);
  return `{"position":${event.position},"recordedAt":${JSON.stringify(event.recordedAt)},"hash":${hash},"leaf":${leaf},"event":${event.leafInput}}`;
}

/** Reads line 1, refusing anything that is not a v1 header. Keys are checked for shape, not trust. */
export function parseHeader(line: string): BundleHeader {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new BundleFormatError(`line 1 is not JSON (${(error as Error).message}): not an audit bundle`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new BundleFormatError('line 1 is not a JSON object: not an audit bundle');
  const h = value as Record<string, unknown>;
  if (h.format !== BUNDLE_FORMAT)
    throw new BundleFormatError(
      `line 1 is not an ${BUNDLE_FORMAT} header (format ${JSON.stringify(h.format ?? null)}): not an audit bundle this version reads`,
    );
  const fail = (what: string): never => {
    throw new BundleFormatError(`the bundle's header: ${what}`);
  };
  const text = (name: string): string =>
    typeof h[name] === 'string' && h[name] !== '' ? h[name] : fail(`${name} must be a non-empty string`);
  const whole = (name: string): number =>
    Number.isSafeInteger(h[name]) && (h[name] as number) >= 0
      ? (h[name] as number)
      : fail(`${name} must be a whole number, 0 or more`);
  const origin = text('origin');
  const checkpoint = text('checkpoint');
  const createdAt = text('createdAt');
  const treeSize = whole('treeSize');
  const position = whole('position');
  if (!Array.isArray(h.logKeys) || h.logKeys.length === 0 || !h.logKeys.every((k) => typeof k === 'string'))
    fail('logKeys must be a non-empty list of verifier keys');
  for (const key of h.logKeys as string[]) {
    try {
      parseVerifierKey(key);
    } catch (error) {
      if (error instanceof SignedNoteError)
        fail(`log key ${JSON.stringify(key)} is not a verifier key: ${error.message}`);
      throw error;
    }
  }
  if (!Array.isArray(h.witnesses)) fail('witnesses must be a list');
  const witnesses = (h.witnesses as unknown[]).map((w, i): BundleWitness => {
    const entry = (typeof w === 'object' && w !== null ? w : {}) as Record<string, unknown>;
    for (const field of ['party', 'name', 'verifierKey'])
      if (typeof entry[field] !== 'string' || entry[field] === '') fail(`witness ${i + 1} has no ${field}`);
    return { party: entry.party as string, name: entry.name as string, verifierKey: entry.verifierKey as string };
  });
  return {
    format: BUNDLE_FORMAT,
    origin,
    logKeys: h.logKeys as string[],
    treeSize,
    position,
    checkpoint,
    witnesses,
    createdAt,
  };
}

/** A witness's vkey as a cosignature verifier, or why it cannot be one. */
export function witnessKeyProblem(verifierKey: string): string | undefined {
  try {
    const verifier = parseVerifierKey(verifierKey);
    return verifier.algorithm === ALGORITHM_COSIGNATURE_V1 ? undefined : 'not a cosignature/v1 (0x04) key';
  } catch (error) {
    if (error instanceof SignedNoteError) return error.message;
    throw error;
  }
}
