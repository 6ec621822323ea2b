import { consistencyProofFailure, sameHash } from '@accord/merkle';
import {
  addSignatureLines,
  ALGORITHM_COSIGNATURE_V1,
  hexKeyId,
  openCheckpoint,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
  parseSignerKey,
  signatureLine,
  signNote,
  SignedNoteError,
  type Checkpoint,
  type NoteSigner,
  type NoteVerifier,
  type OpenedCheckpoint,
} from '@accord/signed-note';
import { toBase64 } from './leaf';

/**
 * The witness's side of issue 16, point 4: what a party's own machine decides when the log
 * shows it a new checkpoint. Pure: the caller fetches the checkpoint and the proof, keeps the
 * state and gives the time. A witness cosigns a checkpoint only if the operator's pinned key
 * signed it, it names the log the witness follows, and its tree extends, by a consistency
 * proof the witness checks against its own copy of the root, the last tree it cosigned; so
 * two cosignatures by one witness never cover two histories.
 */

/** What a witness remembers of one log (one origin), between runs. */
export interface WitnessLogState {
  readonly origin: string;
  /** The operator's verifier key, pinned the first time (trust on first use) and never replaced silently. */
  readonly logKey: string;
  /** Where the pinned key came from: given by the party (--log-key) or taken from the server on first use. */
  readonly pinnedFrom: 'given' | 'server';
  readonly pinnedAt: string;
  /** The API base URL it was last fetched from (a log may move; its origin stays). */
  readonly url?: string;
  /** The last checkpoint this witness cosigned: every later one must extend it. */
  readonly last?: CosignedCheckpoint;
}

export interface CosignedCheckpoint {
  readonly treeSize: number;
  /** Base64, as the checkpoint writes it. */
  readonly rootHash: string;
  /** The note as the operator signed it with this witness's cosignature after: evidence, should the log later deny it. */
  readonly note: string;
  /** The cosignature's time, POSIX seconds: the next one may not be earlier. */
  readonly timestamp: number;
  /** This witness's line, `— <name> <base64>\n`, posted again if the log lost it. */
  readonly cosignature: string;
}

/** GET /audit/proofs/consistency's answer, as received: the log's claim, nothing trusted but the proof. */
export interface ConsistencyAnswer {
  readonly from: number;
  readonly to: number;
  readonly fromRoot: string;
  readonly toRoot: string;
  readonly proof: readonly string[];
}

export type RefusalReason =
  'malformed-checkpoint' | 'wrong-origin' | 'bad-signature' | 'truncated' | 'fork' | 'inconsistent' | 'clock-behind';

/** One checkpoint as evidence: its note carries the operator's signature, so anyone with the log key can check it. */
export interface CheckpointEvidence {
  readonly treeSize: number;
  readonly rootHash: string;
  readonly note: string;
}

/**
 * Why a witness did not cosign, with what a third party needs to see it for themselves: the
 * operator's key, the checkpoint the witness cosigned before, the one shown now, and the
 * proof that does not join them.
 */
export interface Refusal {
  readonly reason: RefusalReason;
  readonly message: string;
  /** `log`: the log misbehaved, hand the evidence on. `witness`: this machine's clock went back; the log did nothing wrong. */
  readonly blame: 'log' | 'witness';
  readonly origin: string;
  readonly logKey: string;
  readonly cosigned?: CheckpointEvidence;
  /** The note as the log served it (its size and root only when it could be read). */
  readonly presented: { readonly note: string; readonly treeSize?: number; readonly rootHash?: string };
  readonly proof?: ConsistencyAnswer & { readonly failure: string };
}

export type WitnessDecision =
  | {
      readonly kind: 'cosign';
      readonly checkpoint: Checkpoint;
      /** The checkpoint's note text: what the cosignature covers. */
      readonly text: string;
      /** `— <witness> <base64>\n`, to post. */
      readonly cosignature: string;
      /** The state to keep, written before the line is posted. */
      readonly state: WitnessLogState;
    }
  | {
      /** The log shows the very checkpoint this witness cosigned last: nothing new to sign. */
      readonly kind: 'already-cosigned';
      readonly checkpoint: Checkpoint;
      readonly cosignature: string;
      readonly state: WitnessLogState;
    }
  | { readonly kind: 'refuse'; readonly refusal: Refusal };

/** A key or state a witness cannot work with: the party's mistake, not the log's. */
export class WitnessSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WitnessSetupError';
  }
}

/** The witness's cosigning key, refusing a note key: a cosignature is type 0x04 (decision 0025). */
export function witnessSigner(signerKey: string, now?: () => number): NoteSigner {
  let signer: NoteSigner;
  try {
    signer = parseSignerKey(signerKey.trim(), now ? { now } : {});
  } catch (error) {
    if (error instanceof SignedNoteError) throw new WitnessSetupError(`not a witness signer key: ${error.message}`);
    throw error;
  }
  if (signer.algorithm !== ALGORITHM_COSIGNATURE_V1)
    throw new WitnessSetupError(
      `${signer.name}'s key is a note key (0x01), not a cosignature/v1 (0x04) key: make one with accord witness keygen`,
    );
  return signer;
}

/** The operator's key, as a witness pins it: an Ed25519 note key (0x01) named after the log's origin. */
export function operatorVerifier(logKey: string): NoteVerifier {
  let verifier: NoteVerifier;
  try {
    verifier = parseVerifierKey(logKey.trim());
  } catch (error) {
    if (error instanceof SignedNoteError) throw new WitnessSetupError(`not a log verifier key: ${error.message}`);
    throw error;
  }
  if (verifier.algorithm === ALGORITHM_COSIGNATURE_V1)
    throw new WitnessSetupError(`${verifier.name}'s key is a witness key (0x04), not the log's (0x01)`);
  return verifier;
}

/** A log's state before its first cosignature: the operator's key pinned, its name the origin. */
export function pinLog(
  logKey: string,
  pinned: { from: 'given' | 'server'; at: string; url?: string },
): WitnessLogState {
  const verifier = operatorVerifier(logKey);
  return {
    origin: verifier.name,
    logKey: verifier.verifierKey,
    pinnedFrom: pinned.from,
    pinnedAt: pinned.at,
    ...(pinned.url === undefined ? {} : { url: pinned.url }),
  };
}

/** The consistency proof the witness needs before it can judge a checkpoint of `treeSize` leaves, if any. */
export function proofNeeded(state: WitnessLogState, treeSize: number): { from: number; to: number } | undefined {
  const last = state.last;
  // Every tree extends the empty one, and RFC 9162 proves nothing from size 0.
  if (!last || last.treeSize === 0 || treeSize <= last.treeSize) return undefined;
  return { from: last.treeSize, to: treeSize };
}

/**
 * Decides on the checkpoint note the log served: cosign it, say it is the one cosigned last,
 * or refuse with the evidence. `proof` is the log's consistency proof from the last cosigned
 * size to the checkpoint's (`proofNeeded` says when one is needed); `now` is the time to
 * sign at, POSIX seconds.
 */
export function decideCosignature(input: {
  readonly state: WitnessLogState;
  readonly note: string;
  readonly proof?: ConsistencyAnswer;
  readonly signerKey: string;
  readonly now: number;
}): WitnessDecision {
  const { state, note, proof, now } = input;
  const signer = witnessSigner(input.signerKey, () => now);
  const last = state.last;
  const refuse = (
    reason: RefusalReason,
    message: string,
    extra: { presented?: Refusal['presented']; proof?: Refusal['proof']; blame?: Refusal['blame'] } = {},
  ): WitnessDecision => ({
    kind: 'refuse',
    refusal: {
      reason,
      message,
      blame: extra.blame ?? 'log',
      origin: state.origin,
      logKey: state.logKey,
      ...(last ? { cosigned: { treeSize: last.treeSize, rootHash: last.rootHash, note: last.note } } : {}),
      presented: extra.presented ?? { note },
      ...(extra.proof ? { proof: extra.proof } : {}),
    },
  });

  let opened: OpenedCheckpoint;
  try {
    // The origin first: a checkpoint of another log is that, whoever signed it.
    const { origin } = parseCheckpoint(parseNote(note).text);
    if (origin !== state.origin)
      return refuse(
        'wrong-origin',
        `the checkpoint is of the log ${JSON.stringify(origin)}; this witness follows ${JSON.stringify(state.origin)} at this URL`,
      );
    opened = openCheckpoint(note, { origin: state.origin, log: operatorVerifier(state.logKey) });
  } catch (error) {
    if (!(error instanceof SignedNoteError)) throw error;
    switch (error.code) {
      case 'UNVERIFIED_NOTE':
      case 'INVALID_SIGNATURE':
      case 'AMBIGUOUS_KEY':
        return refuse('bad-signature', `${error.message}; the pinned log key is ${state.logKey}`);
      default:
        return refuse('malformed-checkpoint', error.message);
    }
  }
  const { checkpoint } = opened;
  const rootHash = toBase64(checkpoint.rootHash);
  // The presented checkpoint as evidence: its text and the operator's signature only.
  const signed = signNote({ text: opened.text, signatures: opened.logSignatures }, []);
  const presented = { note: signed, treeSize: checkpoint.size, rootHash };

  if (last) {
    const lastRoot = Buffer.from(last.rootHash, 'base64');
    if (checkpoint.size < last.treeSize)
      return refuse(
        'truncated',
        `the log shows a tree of ${checkpoint.size} leaves, smaller than the ${last.treeSize} this witness cosigned: ` +
          'a log only grows, so events were removed',
        { presented },
      );
    if (checkpoint.size === last.treeSize) {
      if (sameHash(checkpoint.rootHash, lastRoot))
        return { kind: 'already-cosigned', checkpoint, cosignature: last.cosignature, state };
      return refuse(
        'fork',
        `two trees of ${checkpoint.size} leaves, both signed by the log, with different roots ` +
          `(${last.rootHash} cosigned, ${rootHash} now): a split view or a rewritten history`,
        { presented },
      );
    }
    const needed = proofNeeded(state, checkpoint.size);
    if (needed) {
      if (!proof)
        throw new WitnessSetupError(
          `a consistency proof from ${needed.from} to ${needed.to} is needed to judge this checkpoint`,
        );
      const problem = proofProblem(proof, needed, lastRoot, checkpoint.rootHash);
      if (problem) {
        const withFailure = { ...proofEvidence(proof), failure: problem.failure };
        return refuse(
          problem.rewritten ? 'fork' : 'inconsistent',
          problem.rewritten
            ? `the log's tree of ${last.treeSize} leaves now has the root ${proof.fromRoot}, not the ${last.rootHash} ` +
                `it signed and this witness cosigned: the history before leaf ${last.treeSize} was rewritten ` +
                `(the proof to ${checkpoint.size} leaves: ${problem.failure})`
            : `the log's consistency proof from ${last.treeSize} to ${checkpoint.size} leaves does not hold: ${problem.failure}`,
          { presented, proof: withFailure },
        );
      }
    }
    if (now < last.timestamp)
      return refuse(
        'clock-behind',
        `this machine's clock (${now}) is behind the witness's last cosignature (${last.timestamp}): ` +
          'a cosignature may not be dated before the previous one; the log is not at fault',
        { presented, blame: 'witness' },
      );
  }

  const cosignature = signatureLine(opened.text, signer);
  return {
    kind: 'cosign',
    checkpoint,
    text: opened.text,
    cosignature,
    state: {
      ...state,
      last: {
        treeSize: checkpoint.size,
        rootHash,
        note: addSignatureLines(signed, [cosignature]),
        timestamp: now,
        cosignature,
      },
    },
  };
}

/** Whether `cosignatures` (the log's list for a checkpoint) holds this witness's key. */
export function hasCosignatureBy(
  signer: Pick<NoteSigner, 'name' | 'keyId'>,
  cosignatures: readonly { readonly witness: string; readonly keyId: string }[],
): boolean {
  const keyId = hexKeyId(signer.keyId);
  return cosignatures.some((c) => c.witness === signer.name && c.keyId === keyId);
}

/** What is wrong with the log's proof, checked against the root the witness holds, not the one the log claims. */
function proofProblem(
  proof: ConsistencyAnswer,
  needed: { from: number; to: number },
  lastRoot: Uint8Array,
  newRoot: Uint8Array,
): { failure: string; rewritten: boolean } | undefined {
  if (proof.from !== needed.from || proof.to !== needed.to)
    return {
      failure: `the proof is from ${String(proof.from)} to ${String(proof.to)} leaves, not ${needed.from} to ${needed.to}`,
      rewritten: false,
    };
  const hashes = Array.isArray(proof.proof) ? proof.proof.map(decodeHash) : [undefined];
  const bad = hashes.findIndex((h) => h === undefined);
  if (bad >= 0) return { failure: `proof hash ${bad} is not canonical base64`, rewritten: false };
  const failure = consistencyProofFailure({
    fromSize: needed.from,
    toSize: needed.to,
    fromRoot: lastRoot,
    toRoot: newRoot,
    proof: hashes as Uint8Array[],
  });
  if (!failure) return undefined;
  const claimed = decodeHash(proof.fromRoot);
  return { failure, rewritten: claimed !== undefined && !sameHash(claimed, lastRoot) };
}

function proofEvidence(proof: ConsistencyAnswer): ConsistencyAnswer {
  return { from: proof.from, to: proof.to, fromRoot: proof.fromRoot, toRoot: proof.toRoot, proof: [...proof.proof] };
}

function decodeHash(text: unknown): Uint8Array | undefined {
  if (typeof text !== 'string') return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? new Uint8Array(bytes) : undefined;
}

/** The refusal as a party reads it, and hands on: every checkpoint in full, the proof hash by hash. */
export function describeRefusal(refusal: Refusal): string {
  const indent = (text: string) =>
    text
      .replace(/\n$/, '')
      .split('\n')
      .map((line) => (line === '' ? '' : `    ${line}`))
      .join('\n');
  const lines = [
    `REFUSED (${refusal.reason}): ${refusal.message}`,
    '',
    `log:      ${refusal.origin}`,
    `log key:  ${refusal.logKey}`,
  ];
  if (refusal.cosigned)
    lines.push(
      '',
      `cosigned before: tree size ${refusal.cosigned.treeSize}, root ${refusal.cosigned.rootHash}`,
      indent(refusal.cosigned.note),
    );
  const shown = refusal.presented;
  lines.push(
    '',
    shown.treeSize === undefined
      ? "presented now (not a checkpoint of this log's key):"
      : `presented now:   tree size ${shown.treeSize}, root ${shown.rootHash}`,
    indent(shown.note),
  );
  if (refusal.proof) {
    const p = refusal.proof;
    lines.push(
      '',
      `consistency proof from ${p.from} to ${p.to} leaves, as the log served it:`,
      `    from root (the log's claim): ${p.fromRoot}`,
      `    to root (the log's claim):   ${p.toRoot}`,
      ...p.proof.map((hash, i) => `    [${i}] ${hash}`),
      `    fails: ${p.failure}`,
    );
  }
  // Only then are both notes the operator's: a note refused for its signature or its origin proves nothing against the log.
  if (refusal.cosigned && refusal.presented.treeSize !== undefined && refusal.blame === 'log')
    lines.push(
      '',
      `Both notes are signed by the log key above: anyone can check them${refusal.proof ? ' and the proof' : ''} ` +
        '(accord witness cosign --json prints the same as JSON).',
    );
  return `${lines.join('\n')}\n`;
}
