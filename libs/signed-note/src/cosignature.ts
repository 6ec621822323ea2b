import { parseCheckpoint } from './checkpoint';
import { MalformedNoteError } from './errors';
import { decodeBase64, readUint32BE, utf8 } from './text';
import type { NoteSignature } from './types';

/** tlog-cosignature: the timestamp MUST NOT exceed 2^63 − 1. */
export const MAX_COSIGNATURE_TIMESTAMP = 2n ** 63n - 1n;
/** key ID (4) ‖ timestamp (8, big-endian) ‖ Ed25519 signature (64). */
export const COSIGNATURE_V1_BYTES = 4 + 8 + 64;

/** A cosignature/v1 line, decoded. */
export interface Cosignature {
  readonly name: string;
  readonly keyId: number;
  /** POSIX seconds at which the cosigner signed; a bigint, since the format allows up to 2^63 − 1. */
  readonly timestamp: bigint;
  readonly signature: Uint8Array;
}

/**
 * What an Ed25519 cosigner signs (c2sp.org/tlog-cosignature, "Ed25519 signed message"):
 *
 *     cosignature/v1\n
 *     time <timestamp, decimal, no leading zeros>\n
 *     <the checkpoint's note text, extension lines included>
 *
 * Refuses a text that is not a checkpoint, and a timestamp outside 0 … 2^63 − 1.
 */
export function cosignatureMessage(checkpointText: string, timestamp: bigint | number): Uint8Array {
  const time = toTimestamp(timestamp);
  parseCheckpoint(checkpointText);
  return utf8(`cosignature/v1\ntime ${time.toString(10)}\n${checkpointText}`);
}

/**
 * Decodes a cosignature/v1 signature line: exactly key ID, timestamp and a 64-byte signature.
 * It says when the cosigner claims to have signed; only a verifier with its key says it did.
 */
export function parseCosignature(signature: NoteSignature): Cosignature {
  const bytes = decodeBase64(signature.base64);
  if (!bytes) throw new MalformedNoteError(`the signature of ${signature.name} is not canonical base64`);
  if (bytes.length !== COSIGNATURE_V1_BYTES)
    throw new MalformedNoteError(
      `the signature of ${signature.name} is ${bytes.length} bytes; a cosignature/v1 is ${COSIGNATURE_V1_BYTES}`,
    );
  const timestamp = new DataView(bytes.buffer, bytes.byteOffset + 4, 8).getBigUint64(0);
  if (timestamp > MAX_COSIGNATURE_TIMESTAMP)
    throw new MalformedNoteError(`the cosignature of ${signature.name} has a timestamp above 2^63 − 1`);
  return { name: signature.name, keyId: readUint32BE(bytes), timestamp, signature: bytes.subarray(12) };
}

export function toTimestamp(timestamp: bigint | number): bigint {
  if (typeof timestamp === 'number' && !Number.isSafeInteger(timestamp))
    throw new RangeError(`cosignature timestamp ${timestamp} is not an integer`);
  const time = BigInt(timestamp);
  if (time < 0n || time > MAX_COSIGNATURE_TIMESTAMP)
    throw new RangeError(`cosignature timestamp ${time} is outside 0 … 2^63 − 1`);
  return time;
}
