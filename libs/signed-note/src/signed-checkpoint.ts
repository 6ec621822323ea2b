import { parseCheckpoint, type Checkpoint } from './checkpoint';
import { parseCosignature, type Cosignature } from './cosignature';
import { MalformedKeyError, UnexpectedOriginError, UnverifiedNoteError } from './errors';
import { openNote, type NoteLimits, type VerifiedSignature } from './note';
import { ALGORITHM_COSIGNATURE_V1, type NoteSignature, type NoteVerifier } from './types';

export interface CheckpointKeys extends NoteLimits {
  /** The origin the checkpoint must carry, when the caller knows which log it asked. */
  readonly origin?: string;
  /** The log's key(s): at least one of them must have signed. */
  readonly log: NoteVerifier | readonly NoteVerifier[];
  /** cosignature/v1 keys whose cosignatures the caller wants checked and reported. */
  readonly witnesses?: readonly NoteVerifier[];
}

export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint;
  /** The note text: what the log signed, and (after the cosignature header) what witnesses signed. */
  readonly text: string;
  readonly logSignatures: readonly VerifiedSignature[];
  /** One per witness key that cosigned, verified, in the note's order. */
  readonly cosignatures: readonly (Cosignature & { readonly verifier: NoteVerifier })[];
  /** Lines by keys not given: kept, not trusted. */
  readonly unverified: readonly NoteSignature[];
}

/**
 * Opens a signed checkpoint: a signed note (every signature by a given key verified, else
 * refused) whose text is a checkpoint body, signed by the log, with the cosignatures of the
 * given witnesses decoded. Which witnesses are enough is the caller's policy.
 */
export function openCheckpoint(note: string | Uint8Array, keys: CheckpointKeys): OpenedCheckpoint {
  const logKeys: readonly NoteVerifier[] = Array.isArray(keys.log) ? keys.log : [keys.log as NoteVerifier];
  const witnesses = keys.witnesses ?? [];
  for (const witness of witnesses)
    if (witness.algorithm !== ALGORITHM_COSIGNATURE_V1)
      throw new MalformedKeyError(`witness key ${witness.name} is not a cosignature/v1 (0x04) key`);
  const opened = (() => {
    try {
      return openNote(note, [...logKeys, ...witnesses], keys);
    } catch (error) {
      if (error instanceof UnverifiedNoteError) throw noLogSignature(logKeys, error.note);
      throw error;
    }
  })();
  const logSignatures = opened.verified.filter((s) => logKeys.includes(s.verifier));
  if (logSignatures.length === 0) throw noLogSignature(logKeys, opened);
  const checkpoint = parseCheckpoint(opened.text);
  if (keys.origin !== undefined && checkpoint.origin !== keys.origin)
    throw new UnexpectedOriginError(keys.origin, checkpoint.origin);
  const cosignatures = opened.verified
    .filter((s) => !logKeys.includes(s.verifier))
    .map((s) => ({ ...parseCosignature(s), verifier: s.verifier }));
  return { checkpoint, text: opened.text, logSignatures, cosignatures, unverified: opened.unverified };
}

function noLogSignature(
  logKeys: readonly NoteVerifier[],
  note: { readonly text: string; readonly signatures: readonly { name: string; keyId: number }[] },
): UnverifiedNoteError {
  return new UnverifiedNoteError(
    `the checkpoint is not signed by the log (${logKeys.map((k) => k.verifierKey.split('+', 2).join('+')).join(', ') || 'no log key given'})`,
    note,
  );
}
