import {
  hexKeyId,
  InvalidSignatureError,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  parseCosignature,
  parseNote,
  parseVerifierKey,
  SignedNoteError,
  UnverifiedNoteError,
  type Checkpoint,
} from '@accord/signed-note';
import { witnessKeyProblem, type BundleWitness } from './bundle-format';

/** The operator's signature on a checkpoint note, as an offline check found it. */
export interface SignatureCheck {
  readonly ok: boolean;
  /** Whether the key was given by the auditor (--log-key) rather than taken from the file checked. */
  readonly keyPinned: boolean;
  /** `<name>+<key ID>` of the operator keys whose signature verified. */
  readonly signedBy: string[];
  readonly detail: string;
  /** The checkpoint as signed, or as written when the signature fails; undefined when unreadable. */
  readonly checkpoint?: Checkpoint;
}

/** A witness whose cosignature the checkpoint carries and which verifies. */
export interface CheckedCosignature {
  readonly party: string;
  readonly witness: string;
  readonly keyId: string;
  /** When the witness says it cosigned. */
  readonly cosignedAt: string;
  /** Its key is registered by a WitnessKeyRegistered event the verifier saw (covered by the root). */
  readonly registeredInLog: boolean;
}

export interface WitnessProblem {
  readonly party: string;
  readonly witness: string;
  readonly detail: string;
}

/** The note opened with `pinned` when given, else with the keys the file itself carries. */
export function checkSignature(
  note: string,
  origin: string,
  fileKeys: readonly string[],
  pinned: string | undefined,
): SignatureCheck {
  const keyPinned = pinned !== undefined;
  const keys = (keyPinned ? [pinned] : fileKeys).map((k) => parseVerifierKey(k));
  try {
    const opened = openCheckpoint(note, { log: keys, origin });
    const signedBy = opened.logSignatures.map((s) => `${s.name}+${hexKeyId(s.keyId)}`);
    return {
      ok: true,
      keyPinned,
      signedBy,
      detail: `signed by ${signedBy.join(', ')}${keyPinned ? ', the key given' : ", the file's own key"}`,
      checkpoint: opened.checkpoint,
    };
  } catch (error) {
    if (!(error instanceof SignedNoteError)) throw error;
    let checkpoint: Checkpoint | undefined;
    try {
      checkpoint = parseCheckpoint(parseNote(note).text);
    } catch {
      checkpoint = undefined;
    }
    return { ok: false, keyPinned, signedBy: [], detail: error.message, checkpoint };
  }
}

/**
 * Each witness's cosignature, checked on its own (one bad line does not hide the others): the
 * ones that verify, and the keys or lines that do not. `registered` is what the log itself
 * recorded (WitnessKeyRegistered), when the verifier saw those events.
 */
export function checkCosignatures(
  note: string,
  witnesses: readonly BundleWitness[],
  registered?: ReadonlyMap<string, { party: string; verifierKey: string }>,
): { cosignedBy: CheckedCosignature[]; problems: WitnessProblem[] } {
  const cosignedBy: CheckedCosignature[] = [];
  const problems: WitnessProblem[] = [];
  for (const w of witnesses) {
    const keyProblem = witnessKeyProblem(w.verifierKey);
    if (keyProblem) {
      problems.push({ party: w.party, witness: w.name, detail: `its key cannot check a cosignature: ${keyProblem}` });
      continue;
    }
    const log = registered?.get(w.name);
    if (log && (log.verifierKey !== w.verifierKey || log.party !== w.party)) {
      problems.push({
        party: w.party,
        witness: w.name,
        detail: `the log registered ${w.name} for ${log.party} with another key than the file names`,
      });
      continue;
    }
    try {
      const opened = openNote(note, [parseVerifierKey(w.verifierKey)]);
      const cosignature = parseCosignature(opened.verified[0]);
      cosignedBy.push({
        party: w.party,
        witness: w.name,
        keyId: hexKeyId(cosignature.keyId),
        cosignedAt: new Date(Number(cosignature.timestamp) * 1000).toISOString(),
        registeredInLog: log !== undefined,
      });
    } catch (error) {
      if (error instanceof UnverifiedNoteError) continue; // it did not cosign this checkpoint
      if (error instanceof InvalidSignatureError) {
        problems.push({
          party: w.party,
          witness: w.name,
          detail: 'its cosignature does not verify: the checkpoint was changed after it was cosigned',
        });
        continue;
      }
      if (error instanceof SignedNoteError) {
        problems.push({ party: w.party, witness: w.name, detail: error.message });
        continue;
      }
      throw error;
    }
  }
  return { cosignedBy, problems };
}

/** Parties that cosigned, and those of the registered witnesses that did not. */
export function partiesOf(
  witnesses: readonly BundleWitness[],
  cosignedBy: readonly CheckedCosignature[],
): { cosigned: string[]; notCosigned: string[] } {
  const cosigned = [...new Set(cosignedBy.map((c) => c.party))];
  const parties = [...new Set(witnesses.map((w) => w.party))];
  return { cosigned, notCosigned: parties.filter((p) => !cosigned.includes(p)) };
}
