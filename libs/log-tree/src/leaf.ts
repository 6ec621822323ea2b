import { canonicalEvent, type HashedFields } from '@accord/audit';
import { leafHash } from '@accord/merkle';

/**
 * The leaf input of an event: the canonical text its chain hash covers (decision 0027), so
 * the tree and the chain cover the same bytes: hash = SHA-256(text), leaf = SHA-256(0x00 ‖ text).
 */
export function eventLeafInput(event: HashedFields): Buffer {
  return Buffer.from(canonicalEvent(event), 'utf8');
}

/** RFC 9162's leaf hash of an event. */
export function eventLeafHash(event: HashedFields): Uint8Array {
  return leafHash(eventLeafInput(event));
}

export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
export const fromHex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
export const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
