/** Signature type identifier bytes (c2sp.org/signed-note, "Signature types") that accord uses. */
export const ALGORITHM_ED25519 = 0x01;
/** Timestamped Ed25519 checkpoint cosignatures, c2sp.org/tlog-cosignature (cosignature/v1). */
export const ALGORITHM_COSIGNATURE_V1 = 0x04;
export type Algorithm = typeof ALGORITHM_ED25519 | typeof ALGORITHM_COSIGNATURE_V1;

/** One signature line, `— <name> <base64(key ID ‖ signature)>`, as it stands in the note. */
export interface NoteSignature {
  readonly name: string;
  /** The first four bytes of the decoded base64, big-endian: a uint32. */
  readonly keyId: number;
  /** The base64 exactly as on the line: key ID and signature. */
  readonly base64: string;
}

/** A key that signs note texts; `sign` returns what follows the key ID on the line. */
export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  readonly algorithm: Algorithm;
  /** The 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** `<name>+<hex key ID>+<base64(algorithm ‖ public key)>`: what verifiers are configured with. */
  readonly verifierKey: string;
  sign(text: Uint8Array): Uint8Array;
}

/** A known key: it checks the signatures whose name and key ID are its own. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  readonly algorithm: Algorithm;
  readonly publicKey: Uint8Array;
  readonly verifierKey: string;
  /** `signature` is what follows the key ID on the line. */
  verify(text: Uint8Array, signature: Uint8Array): boolean;
}
