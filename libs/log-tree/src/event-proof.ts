import { computeEventHash } from '@accord/audit';
import type { RecordedEvent } from '@accord/event-store';
import { inclusionProofFailure, verifyConsistency } from '@accord/merkle';
import { CheckpointStore, cosignedNote } from './checkpoint-store';
import type { BundleSource } from './bundle';
import { BundleFormatError, type BundleWitness } from './bundle-format';
import {
  checkCosignatures,
  checkSignature,
  partiesOf,
  type CheckedCosignature,
  type SignatureCheck,
  type WitnessProblem,
} from './checkpoint-checks';
import { eventLeafHash, toBase64 } from './leaf';
import { logVerifierKeys } from './log-identity';
import { signedCheckpointOf } from './signed-checkpoint-of';
import { SqlLogTree } from './sql-log-tree';
import { LogTreeError, treeBehind } from './tree-errors';
import { readWitnesses } from './witnesses';

export const INCLUSION_PROOF_FORMAT = 'accord.inclusion-proof/v1';

/**
 * One event's proof, self-contained: the event as stored, where it is in the tree, the
 * inclusion path (RFC 9162 PATH, lowest sibling first, base64) and the cosigned checkpoint
 * of that size, with the keys to check it. `accord audit verify-event` checks it alone.
 */
export interface InclusionProofFile {
  readonly format: typeof INCLUSION_PROOF_FORMAT;
  readonly origin: string;
  readonly logKeys: readonly string[];
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly proof: readonly string[];
  readonly checkpoint: string;
  readonly witnesses: readonly BundleWitness[];
  readonly event: RecordedEvent;
}

/**
 * The inclusion proof of event `eventId` in the checkpoint of `treeSize` (the latest by
 * default): a leaf lookup, one read of the path's O(log n) nodes, and the event by position.
 */
export async function proveInclusion(
  source: BundleSource,
  eventId: string,
  options: { treeSize?: number } = {},
): Promise<InclusionProofFile> {
  const { store, db, tables } = source;
  const tree = new SqlLogTree(db, tables);
  const leaf = await tree.leafOfEvent(eventId);
  if (!leaf) {
    const head = await tree.head();
    throw new LogTreeError(
      'UNKNOWN_EVENT',
      `no leaf of the log tree (${head.size} leaves, up to position ${head.position}) holds event ${eventId}: ` +
        'if it is newer than that, the tree is behind (the API grows it; `accord projections rebuild log-tree` builds it)',
    );
  }
  const signed = await signedCheckpointOf(db, options.treeSize);
  const size = signed.checkpoint.treeSize;
  if (leaf.leaf >= size)
    throw new LogTreeError(
      'NOT_IN_CHECKPOINT',
      `event ${eventId} is leaf ${leaf.leaf}, after the checkpoint of size ${size}` +
        (options.treeSize === undefined ? ': the next checkpoint will hold it' : ': ask for a larger one'),
    );
  const head = await tree.head();
  if (head.size < size) throw treeBehind(head.size, size);
  const [proof, [event], logKeys, witnesses] = await Promise.all([
    tree.inclusionProof(leaf.leaf, size),
    store.readAll({ after: leaf.position - 1, maxCount: 1 }),
    logVerifierKeys(db),
    readWitnesses(store),
  ]);
  if (!event || event.id !== eventId)
    throw new LogTreeError(
      'UNKNOWN_EVENT',
      `the store holds ${event && event.position === leaf.position ? `event ${event.id}` : 'no event'} at position ${leaf.position}, ` +
        `where the tree has ${eventId}: the log was changed after it was logged (run accord audit verify)`,
    );
  return {
    format: INCLUSION_PROOF_FORMAT,
    origin: signed.origin,
    logKeys,
    leafIndex: leaf.leaf,
    treeSize: size,
    proof: proof.map(toBase64),
    checkpoint: signed.note,
    witnesses: witnesses.map(({ party, name, verifierKey }) => ({ party, name, verifierKey })),
    event: {
      streamId: event.streamId,
      revision: event.revision,
      position: event.position,
      id: event.id,
      type: event.type,
      schemaVersion: event.schemaVersion,
      recordedAt: event.recordedAt,
      data: event.data,
      metadata: event.metadata,
    },
  };
}

/**
 * That the tree of `from` leaves is a prefix of the tree of `to` leaves: GET
 * /audit/proofs/consistency's answer, with the checkpoints kept of either size.
 */
export interface ConsistencyProof {
  readonly from: number;
  readonly to: number;
  readonly fromRoot: string;
  readonly toRoot: string;
  /** RFC 9162 PROOF(m, D[n]), base64. */
  readonly proof: readonly string[];
  /** The cosigned notes of the checkpoints of either size, when one was signed. */
  readonly fromCheckpoint: string | null;
  readonly toCheckpoint: string | null;
  /** Whether the tree's roots are the checkpoints' (null without a checkpoint of that size). */
  readonly rootsMatchCheckpoints: { readonly from: boolean | null; readonly to: boolean | null };
}

export async function proveConsistency(
  source: Pick<BundleSource, 'db' | 'tables'>,
  fromSize: number,
  toSize: number,
): Promise<ConsistencyProof> {
  if (!Number.isSafeInteger(fromSize) || !Number.isSafeInteger(toSize) || fromSize < 1 || fromSize > toSize)
    throw new LogTreeError(
      'BAD_SIZE',
      `a consistency proof goes from a size of 1 or more to one as large or larger, not from ${fromSize} to ${toSize}`,
    );
  const tree = new SqlLogTree(source.db, source.tables);
  const head = await tree.head();
  if (head.size < toSize) throw treeBehind(head.size, toSize);
  const checkpoints = new CheckpointStore(source.db);
  const [proof, fromRoot, toRoot, fromKept, toKept, cosignatures] = await Promise.all([
    tree.consistencyProof(fromSize, toSize),
    tree.root(fromSize),
    tree.root(toSize),
    checkpoints.get(fromSize),
    checkpoints.get(toSize),
    checkpoints.cosignaturesOf([fromSize, toSize]),
  ]);
  if (!verifyConsistency({ fromSize, toSize, fromRoot, toRoot, proof }))
    throw new Error(`the log tree's own nodes do not prove ${fromSize} → ${toSize}: its tables were changed`);
  const matches = (kept: typeof fromKept, root: Uint8Array) =>
    kept ? Buffer.compare(Buffer.from(kept.rootHash), Buffer.from(root)) === 0 : null;
  return {
    from: fromSize,
    to: toSize,
    fromRoot: toBase64(fromRoot),
    toRoot: toBase64(toRoot),
    proof: proof.map(toBase64),
    fromCheckpoint: fromKept ? cosignedNote(fromKept, cosignatures.get(fromSize) ?? []) : null,
    toCheckpoint: toKept ? cosignedNote(toKept, cosignatures.get(toSize) ?? []) : null,
    rootsMatchCheckpoints: { from: matches(fromKept, fromRoot), to: matches(toKept, toRoot) },
  };
}

export interface EventProofReport {
  /** The event is leaf `leafIndex` of the checkpoint's tree, its hash is its content's, and the checkpoint is signed. */
  readonly ok: boolean;
  readonly event: { id: string; streamId: string; revision: number; position: number; type: string };
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly signature: Omit<SignatureCheck, 'checkpoint'>;
  readonly cosignedBy: readonly CheckedCosignature[];
  readonly parties: { readonly cosigned: readonly string[]; readonly notCosigned: readonly string[] };
  readonly witnessProblems: readonly WitnessProblem[];
  /** Why the proof does not hold; empty when ok. */
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
}

/** Reads a proof file's JSON, refusing what proveInclusion never writes. */
export function parseInclusionProof(value: unknown): InclusionProofFile {
  const fail = (what: string): never => {
    throw new BundleFormatError(`not an ${INCLUSION_PROOF_FORMAT} file: ${what}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('not a JSON object');
  const p = value as Record<string, unknown>;
  if (p.format !== INCLUSION_PROOF_FORMAT) fail(`format is ${JSON.stringify(p.format ?? null)}`);
  for (const name of ['origin', 'checkpoint'])
    if (typeof p[name] !== 'string' || p[name] === '') fail(`${name} must be a non-empty string`);
  for (const name of ['leafIndex', 'treeSize'])
    if (!Number.isSafeInteger(p[name]) || (p[name] as number) < 0) fail(`${name} must be a whole number`);
  if (!Array.isArray(p.logKeys) || p.logKeys.length === 0 || !p.logKeys.every((k) => typeof k === 'string'))
    fail('logKeys must be a non-empty list of verifier keys');
  if (!Array.isArray(p.proof) || !p.proof.every((h) => typeof h === 'string'))
    fail('proof must be a list of base64 hashes');
  if (!Array.isArray(p.witnesses)) fail('witnesses must be a list');
  for (const w of p.witnesses as unknown[]) {
    const entry = (typeof w === 'object' && w !== null ? w : {}) as Record<string, unknown>;
    if (!['party', 'name', 'verifierKey'].every((f) => typeof entry[f] === 'string'))
      fail('each witness has a party, a name and a verifierKey');
  }
  const event = p.event as Record<string, unknown> | null;
  if (typeof event !== 'object' || event === null || Array.isArray(event)) fail('event must be an object');
  for (const name of ['streamId', 'id', 'type'])
    if (typeof event![name] !== 'string') fail(`event.${name} must be a string`);
  for (const name of ['revision', 'position', 'schemaVersion'])
    if (!Number.isSafeInteger(event![name])) fail(`event.${name} must be a whole number`);
  if (typeof event!.metadata !== 'object' || event!.metadata === null || Array.isArray(event!.metadata))
    fail('event.metadata must be an object');
  if (!('data' in event!)) fail('event.data is missing');
  return p as unknown as InclusionProofFile;
}

/**
 * Checks one event alone, offline: its leaf recomputed from the event, the inclusion path up
 * to the checkpoint's root, the checkpoint's signature (by `logKey` when given), each witness's
 * cosignature, and that the event's hash is its content's.
 */
export function verifyEventProof(file: InclusionProofFile, options: { logKey?: string } = {}): EventProofReport {
  const problems: string[] = [];
  const warnings: string[] = [];
  const signature = checkSignature(file.checkpoint, file.origin, file.logKeys, options.logKey);
  if (!signature.keyPinned)
    warnings.push(
      'the operator key was NOT pinned: the checkpoint was checked with the key the proof file itself carries, ' +
        'which proves only that the file agrees with itself; give the key you were given with --log-key',
    );
  if (!signature.ok) problems.push(`the checkpoint's signature: ${signature.detail}`);
  const event = file.event;
  const checkpoint = signature.checkpoint;
  if (!checkpoint) problems.push('the checkpoint cannot be read');
  else {
    if (checkpoint.size !== file.treeSize)
      problems.push(`the proof is for a tree of ${file.treeSize} leaves, its checkpoint is of ${checkpoint.size}`);
    const proof = file.proof.map((h) => new Uint8Array(Buffer.from(h, 'base64')));
    const failure = inclusionProofFailure({
      leafIndex: file.leafIndex,
      treeSize: checkpoint.size,
      leafHash: eventLeafHash(event),
      proof,
      root: checkpoint.rootHash,
    });
    if (failure)
      problems.push(
        `the event is not leaf ${file.leafIndex} of the checkpoint's tree of ${checkpoint.size}: ${failure}`,
      );
  }
  const computed = computeEventHash(event);
  if (event.metadata.hash !== computed) problems.push(`its metadata.hash is not the hash of its content (${computed})`);
  const cosigning = checkCosignatures(file.checkpoint, file.witnesses);
  for (const w of cosigning.problems) problems.push(`witness ${w.witness} (${w.party}): ${w.detail}`);
  return {
    ok: problems.length === 0,
    event: {
      id: event.id,
      streamId: event.streamId,
      revision: event.revision,
      position: event.position,
      type: event.type,
    },
    leafIndex: file.leafIndex,
    treeSize: file.treeSize,
    signature: {
      ok: signature.ok,
      keyPinned: signature.keyPinned,
      signedBy: signature.signedBy,
      detail: signature.detail,
    },
    cosignedBy: cosigning.cosignedBy,
    parties: partiesOf(file.witnesses, cosigning.cosignedBy),
    witnessProblems: cosigning.problems,
    problems,
    warnings,
  };
}
