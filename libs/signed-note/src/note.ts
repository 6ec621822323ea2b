import {
  AmbiguousKeyError,
  InvalidSignatureError,
  InvalidSignerError,
  MalformedNoteError,
  UnverifiedNoteError,
  hexKeyId,
} from './errors';
import { concatBytes, decodeBase64, encodeBase64, isKeyName, readUint32BE, textProblem, uint32BE, utf8 } from './text';
import type { NoteSignature, NoteSigner, NoteVerifier } from './types';

/**
 * c2sp.org/signed-note: a text ending in a newline, a blank line, then one or more lines
 * `— <key name> <base64(key ID ‖ signature)>` (em dash U+2014, space, name, space, base64,
 * newline). The whole note is UTF-8 without control characters other than newline.
 */
export interface Note {
  /** The signed text, its final newline included, the separating blank line not. */
  readonly text: string;
  /** Every signature line, in the note's order. */
  readonly signatures: readonly NoteSignature[];
}

/** A signature a known key has verified. */
export interface VerifiedSignature extends NoteSignature {
  readonly verifier: NoteVerifier;
}

export interface OpenedNote extends Note {
  /** One per known key that signed, in the note's order. */
  readonly verified: readonly VerifiedSignature[];
  /** Signatures by keys the caller does not know: kept, never trusted. Identical lines once. */
  readonly unverified: readonly NoteSignature[];
  /** `verified` and `unverified` in the note's order: what `signNote` carries on. */
  readonly signatures: readonly NoteSignature[];
}

export interface NoteLimits {
  /**
   * More signature lines than this and the note is refused before any is checked. The spec
   * asks verifiers to accept at least 16; 100 is golang.org/x/mod/sumdb/note's limit.
   */
  readonly maxSignatures?: number;
  /** A note longer than this (UTF-8 bytes) is refused unread. 1 MiB by default. */
  readonly maxBytes?: number;
}

export const DEFAULT_MAX_SIGNATURES = 100;
export const DEFAULT_MAX_NOTE_BYTES = 1 << 20;

const SIGNATURE_PREFIX = '\u2014 ';
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Splits a note into text and signature lines, checking the format but no signature. */
export function parseNote(note: string | Uint8Array, limits: NoteLimits = {}): Note {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_NOTE_BYTES;
  const maxSignatures = limits.maxSignatures ?? DEFAULT_MAX_SIGNATURES;
  let message: string;
  if (typeof note === 'string') {
    if (Buffer.byteLength(note, 'utf8') > maxBytes) throw new MalformedNoteError(`longer than ${maxBytes} bytes`);
    message = note;
  } else if (note instanceof Uint8Array) {
    if (note.length > maxBytes) throw new MalformedNoteError(`longer than ${maxBytes} bytes`);
    try {
      message = UTF8.decode(note);
    } catch {
      throw new MalformedNoteError('not valid UTF-8');
    }
  } else {
    throw new MalformedNoteError('a note is a string or bytes');
  }
  const problem = textProblem(message);
  if (problem) throw new MalformedNoteError(problem);
  const split = message.lastIndexOf('\n\n');
  if (split < 0) throw new MalformedNoteError('no blank line between the text and the signatures');
  const text = message.slice(0, split + 1);
  const block = message.slice(split + 2);
  if (block === '') throw new MalformedNoteError('no signature line after the blank line');
  if (!block.endsWith('\n')) throw new MalformedNoteError('the last signature line does not end in a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > maxSignatures) throw new MalformedNoteError(`more than ${maxSignatures} signatures`);
  const textLines = text.split('\n').length - 1;
  const signatures = lines.map((line, i) => parseSignatureLine(line, `line ${textLines + 2 + i}`));
  return { text, signatures };
}

/**
 * Parses a note and checks every signature by a known key, as c2sp.org/signed-note says:
 * a signature whose name and key ID are not both a known key's is kept in `unverified` and
 * ignored; one by a known key is verified, and if it fails the note is refused
 * (InvalidSignatureError); if no known key signed, the note is refused (UnverifiedNoteError,
 * which carries what was parsed). Known keys must differ in name or key ID where it matters
 * (AmbiguousKeyError).
 */
export function openNote(
  note: string | Uint8Array,
  known: readonly NoteVerifier[],
  limits: NoteLimits = {},
): OpenedNote {
  const parsed = parseNote(note, limits);
  const keys = new Map<string, NoteVerifier[]>();
  for (const verifier of known) {
    const id = `${verifier.name}+${hexKeyId(verifier.keyId)}`;
    keys.set(id, [...(keys.get(id) ?? []), verifier]);
  }
  const text = utf8(parsed.text);
  const verified: VerifiedSignature[] = [];
  const unverified: NoteSignature[] = [];
  const kept: NoteSignature[] = [];
  const seenKeys = new Set<string>();
  const seenLines = new Set<string>();
  for (const signature of parsed.signatures) {
    const id = `${signature.name}+${hexKeyId(signature.keyId)}`;
    const line = `${signature.name} ${signature.base64}`;
    const candidates = keys.get(id) ?? [];
    if (candidates.length > 1) throw new AmbiguousKeyError(signature.name, signature.keyId);
    if (seenLines.has(line)) continue;
    seenLines.add(line);
    if (candidates.length === 0) {
      unverified.push(signature);
      kept.push(signature);
      continue;
    }
    const [verifier] = candidates;
    // decodeBase64 cannot fail here: parseNote checked every line.
    if (!verifier.verify(text, (decodeBase64(signature.base64) as Uint8Array).subarray(4)))
      throw new InvalidSignatureError(signature.name, signature.keyId);
    // A second, different, valid signature by the same key (a cosigner's at another time)
    // is checked, but the note counts each key once.
    if (seenKeys.has(id)) continue;
    seenKeys.add(id);
    verified.push({ ...signature, verifier });
    kept.push(signature);
  }
  if (verified.length === 0)
    throw new UnverifiedNoteError(
      parsed.signatures.length === 0
        ? 'the note has no signature'
        : `no signature by a known key (signed by ${[...new Set(parsed.signatures.map((s) => `${s.name}+${hexKeyId(s.keyId)}`))].join(', ')})`,
      { text: parsed.text, signatures: unverified },
    );
  return { text: parsed.text, verified, unverified, signatures: kept };
}

/**
 * The signed note: the text, a blank line, the signatures it already carries (those by the
 * same name and key ID as a new signer are replaced), then one line per signer, in order.
 * Refuses a text or signature that `parseNote` would refuse.
 */
export function signNote(
  note: string | { readonly text: string; readonly signatures?: readonly NoteSignature[] },
  signers: readonly NoteSigner[],
): string {
  const { text, signatures = [] } = typeof note === 'string' ? { text: note } : note;
  checkText(text);
  const replaced = new Set(signers.map((s) => `${s.name}+${hexKeyId(s.keyId)}`));
  const kept = signatures.filter((signature) => !replaced.has(`${signature.name}+${hexKeyId(signature.keyId)}`));
  kept.forEach(checkSignature);
  if (kept.length + signers.length === 0) throw new MalformedNoteError('a signed note has at least one signature');
  const lines = [
    ...kept.map((s) => `${SIGNATURE_PREFIX}${s.name} ${s.base64}\n`),
    ...signers.map((s) => signatureLine(text, s)),
  ];
  return `${text}\n${lines.join('')}`;
}

/**
 * The note with signature lines added after its own (each `— <name> <base64>\n`, as
 * `signatureLine` makes them): how a cosignature handed back by a witness joins the
 * checkpoint. A line the note already carries is not repeated. Nothing is verified.
 */
export function addSignatureLines(
  note: string | Uint8Array,
  lines: readonly string[],
  limits: NoteLimits = {},
): string {
  const parsed = parseNote(note, limits);
  const present = new Set(parsed.signatures.map((s) => `${s.name} ${s.base64}`));
  const added = lines.flatMap((line, i) => {
    if (typeof line !== 'string' || !line.endsWith('\n') || line.indexOf('\n') !== line.length - 1)
      throw new MalformedNoteError(`added line ${i + 1} is not one line ending in a newline`);
    const problem = textProblem(line);
    if (problem) throw new MalformedNoteError(`added line ${i + 1}: ${problem}`);
    const signature = parseSignatureLine(line.slice(0, -1), `added line ${i + 1}`);
    const key = `${signature.name} ${signature.base64}`;
    if (present.has(key)) return [];
    present.add(key);
    return [signature];
  });
  const signatures = [...parsed.signatures, ...added];
  const maxSignatures = limits.maxSignatures ?? DEFAULT_MAX_SIGNATURES;
  if (signatures.length > maxSignatures) throw new MalformedNoteError(`more than ${maxSignatures} signatures`);
  return signNote({ text: parsed.text, signatures }, []);
}

/** One signature line over `text`, `— <name> <base64(key ID ‖ signature)>\n`: what a cosigner hands back. */
export function signatureLine(text: string, signer: NoteSigner): string {
  checkText(text);
  if (typeof signer?.name !== 'string' || !isKeyName(signer.name))
    throw new InvalidSignerError(
      `key name ${JSON.stringify(signer?.name)} is empty or contains a space, a plus or a control character`,
    );
  if (!Number.isInteger(signer.keyId) || signer.keyId < 0 || signer.keyId > 0xffffffff)
    throw new InvalidSignerError(`key ID ${signer.keyId} is not a uint32`);
  const signature = signer.sign(utf8(text));
  if (!(signature instanceof Uint8Array) || signature.length === 0)
    throw new InvalidSignerError(`${signer.name} returned no signature`);
  return `${SIGNATURE_PREFIX}${signer.name} ${encodeBase64(concatBytes(uint32BE(signer.keyId), signature))}\n`;
}

function parseSignatureLine(line: string, where: string): NoteSignature {
  if (!line.startsWith(SIGNATURE_PREFIX))
    throw new MalformedNoteError(`${where}: a signature line starts with an em dash (U+2014) and a space`);
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0) throw new MalformedNoteError(`${where}: no space between the key name and the signature`);
  const name = rest.slice(0, space);
  const base64 = rest.slice(space + 1);
  if (!isKeyName(name))
    throw new MalformedNoteError(`${where}: key name ${JSON.stringify(name)} is empty or contains a space or a plus`);
  const bytes = decodeBase64(base64);
  if (!bytes) throw new MalformedNoteError(`${where}: the signature is not canonical padded standard base64`);
  if (bytes.length < 5) throw new MalformedNoteError(`${where}: a signature is a 4-byte key ID and at least one byte`);
  return { name, keyId: readUint32BE(bytes), base64 };
}

function checkText(text: string): void {
  if (typeof text !== 'string') throw new MalformedNoteError('the text is not a string');
  if (!text.endsWith('\n')) throw new MalformedNoteError('the text does not end in a newline');
  const problem = textProblem(text);
  if (problem) throw new MalformedNoteError(`the text: ${problem}`);
}

function checkSignature(signature: NoteSignature): void {
  if (!isKeyName(signature.name))
    throw new MalformedNoteError(`key name ${JSON.stringify(signature.name)} is empty or contains a space or a plus`);
  const bytes = decodeBase64(signature.base64);
  if (!bytes || bytes.length < 5)
    throw new MalformedNoteError(`the signature of ${signature.name} is not a key ID and a signature in base64`);
  if (readUint32BE(bytes) !== signature.keyId >>> 0)
    throw new MalformedNoteError(
      `the signature of ${signature.name} does not begin with its key ID ${hexKeyId(signature.keyId)}`,
    );
}
