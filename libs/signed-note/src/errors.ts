/**
 * Every refusal of this library is a SignedNoteError whose `code` says which rule was broken
 * and whose message says where, so that a caller (an HTTP handler, the CLI) can answer a
 * client's mistake as such without parsing messages.
 */
export type SignedNoteErrorCode =
  | 'MALFORMED_NOTE'
  | 'MALFORMED_KEY'
  | 'MALFORMED_CHECKPOINT'
  | 'INVALID_SIGNER'
  | 'AMBIGUOUS_KEY'
  | 'INVALID_SIGNATURE'
  | 'UNVERIFIED_NOTE'
  | 'UNEXPECTED_ORIGIN';

export class SignedNoteError extends Error {
  constructor(
    readonly code: SignedNoteErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The note breaks the signed-note format (c2sp.org/signed-note, "Format"). */
export class MalformedNoteError extends SignedNoteError {
  constructor(reason: string) {
    super('MALFORMED_NOTE', `malformed note: ${reason}`);
  }
}

/** A verifier key (`<name>+<hex id>+<base64>`) or signer key (`PRIVATE+KEY+…`) that cannot be used. */
export class MalformedKeyError extends SignedNoteError {
  constructor(reason: string) {
    super('MALFORMED_KEY', `malformed key: ${reason}`);
  }
}

/** The note text is not a checkpoint body (c2sp.org/tlog-checkpoint, "Note text"). */
export class MalformedCheckpointError extends SignedNoteError {
  constructor(reason: string) {
    super('MALFORMED_CHECKPOINT', `malformed checkpoint: ${reason}`);
  }
}

/** A signer whose name could not appear on a signature line, or that failed to sign. */
export class InvalidSignerError extends SignedNoteError {
  constructor(reason: string) {
    super('INVALID_SIGNER', `invalid signer: ${reason}`);
  }
}

/** Two known keys share the name and key ID of a signature: which one signed is not decidable. */
export class AmbiguousKeyError extends SignedNoteError {
  constructor(
    readonly keyName: string,
    readonly keyId: number,
  ) {
    super('AMBIGUOUS_KEY', `ambiguous key ${keyName}+${hexKeyId(keyId)}: more than one known key has this name and ID`);
  }
}

/**
 * A signature by a known key (its name and key ID match) does not verify. The spec says a
 * client SHOULD then reject the whole note; we always do.
 */
export class InvalidSignatureError extends SignedNoteError {
  constructor(
    readonly keyName: string,
    readonly keyId: number,
  ) {
    super('INVALID_SIGNATURE', `invalid signature for key ${keyName}+${hexKeyId(keyId)}`);
  }
}

/** The note is well formed but no signature is by a key the caller trusts. */
export class UnverifiedNoteError extends SignedNoteError {
  constructor(
    message: string,
    /** What was parsed, for a caller that wants to say who did sign. */
    readonly note: { readonly text: string; readonly signatures: readonly { name: string; keyId: number }[] },
  ) {
    super('UNVERIFIED_NOTE', message);
  }
}

/** A checkpoint from another log than the one asked for. */
export class UnexpectedOriginError extends SignedNoteError {
  constructor(
    readonly expected: string,
    readonly found: string,
  ) {
    super('UNEXPECTED_ORIGIN', `checkpoint origin is ${JSON.stringify(found)}, expected ${JSON.stringify(expected)}`);
  }
}

/** A key ID as vkeys write it: 8 lower-case hex digits. */
export function hexKeyId(keyId: number): string {
  return (keyId >>> 0).toString(16).padStart(8, '0');
}
