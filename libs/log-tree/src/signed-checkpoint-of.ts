import { parseCheckpoint, parseNote } from '@accord/signed-note';
import type { SqlDb } from '@accord/sql';
import { CheckpointStore, cosignedNote, type StoredCheckpoint, type StoredCosignature } from './checkpoint-store';
import { LogTreeError } from './tree-errors';

/** A kept checkpoint with what a verifier needs beside it. */
export interface SignedCheckpoint {
  readonly checkpoint: StoredCheckpoint;
  readonly cosignatures: readonly StoredCosignature[];
  /** The operator's note with the witnesses' cosignature lines. */
  readonly note: string;
  /** Its origin line. */
  readonly origin: string;
}

/** The checkpoint of `treeSize`, or the latest; LogTreeError NO_CHECKPOINT when there is none. */
export async function signedCheckpointOf(db: SqlDb, treeSize?: number): Promise<SignedCheckpoint> {
  const checkpoints = new CheckpointStore(db);
  const checkpoint = treeSize === undefined ? await checkpoints.latest() : await checkpoints.get(treeSize);
  if (!checkpoint) {
    if (treeSize === undefined)
      throw new LogTreeError(
        'NO_CHECKPOINT',
        'no checkpoint has been signed yet: the API signs one every N events or T seconds as the log grows',
      );
    const latest = await checkpoints.latest();
    throw new LogTreeError(
      'NO_CHECKPOINT',
      `no checkpoint of tree size ${treeSize} was signed` +
        (latest ? ` (the latest is of size ${latest.treeSize}; GET /audit/checkpoints lists them)` : ' (none was)'),
    );
  }
  const cosignatures = (await checkpoints.cosignaturesOf([checkpoint.treeSize])).get(checkpoint.treeSize) ?? [];
  return {
    checkpoint,
    cosignatures,
    note: cosignedNote(checkpoint, cosignatures),
    origin: parseCheckpoint(parseNote(checkpoint.note).text).origin,
  };
}
