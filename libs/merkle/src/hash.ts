/**
 * The two hashes of an RFC 9162 §2.1 Merkle tree (the RFC 6962 tree, SHA-256):
 *
 *     leaf  = SHA-256(0x00 ‖ leaf input)
 *     node  = SHA-256(0x01 ‖ left ‖ right)
 *     MTH({}) = SHA-256("")                 the empty tree's root
 *
 * The one-byte prefixes keep a leaf from ever being read as a node (a second-preimage
 * attack: presenting two children's hashes as a leaf's input). Every hash is 32 bytes.
 */
import { createHash } from 'node:crypto';

/** The bytes of every hash in the tree (SHA-256). */
export const HASH_BYTES = 32;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/**
 * SHA-256(0x00 ‖ input): the hash of a leaf whose input (its bytes in the log) is `input`,
 * given as bytes or as text (hashed as its UTF-8 bytes, without a copy into a buffer first).
 */
export function leafHash(input: Uint8Array | string): Uint8Array {
  return createHash('sha256').update(LEAF_PREFIX).update(input).digest();
}

/** SHA-256(0x01 ‖ left ‖ right): the hash of an interior node from its two children's hashes. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** MTH({}) = SHA-256(""): the root of the tree of no leaves (e3b0c442…b855). A new copy each call. */
export function emptyTreeRoot(): Uint8Array {
  return createHash('sha256').digest();
}

/** Whether two hashes are the same bytes (no secret is compared: no need for constant time). */
export function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
