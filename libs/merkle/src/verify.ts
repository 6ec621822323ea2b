/**
 * Checking proofs, RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency), step by step as
 * the RFC writes them. A verifier needs no tree: the leaf's hash (or the older root), the
 * proof and the root it is checked against.
 *
 * Each check has two forms: `verifyX` answers true or false, `xProofFailure` says why not
 * (undefined when the proof holds), for a witness or an auditor to report.
 *
 * Beyond the RFC's steps, and as transparency-dev/merkle does, both refuse sizes that are not
 * integers from 0 to 2^53 − 1, and a hash that is not 32 bytes (the leaf hash, the roots, every
 * proof element), with one exception the published vectors require: consistency between equal
 * sizes compares the two roots as given (a tree is consistent with itself), whatever their
 * length. A consistency proof from the empty tree is refused, as the vectors refuse it: the
 * RFC defines proofs for 0 < first ≤ second only, and nothing can be proven about size 0.
 */
import { HASH_BYTES, nodeHash, sameHash } from './hash';
import { half, isOdd, isPowerOfTwo, isTreeSize } from './bits';

/** An inclusion proof of leaf `leafIndex` (its hash `leafHash`) in the tree of `treeSize` leaves whose root is `root`. */
export interface InclusionClaim {
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly leafHash: Uint8Array;
  /** The inclusion path, lowest sibling first (RFC 9162 PATH(m, D[n])). */
  readonly proof: readonly Uint8Array[];
  readonly root: Uint8Array;
}

/** A consistency proof that the tree of `fromSize` leaves (root `fromRoot`) is a prefix of the tree of `toSize` leaves (root `toRoot`). */
export interface ConsistencyClaim {
  readonly fromSize: number;
  readonly toSize: number;
  readonly fromRoot: Uint8Array;
  readonly toRoot: Uint8Array;
  /** RFC 9162 PROOF(m, D[n]). */
  readonly proof: readonly Uint8Array[];
}

/** Why an inclusion proof does not hold, or undefined when it does. */
export function inclusionProofFailure(claim: InclusionClaim): string | undefined {
  const { leafIndex, treeSize, leafHash, proof, root } = claim;
  if (!isTreeSize(treeSize)) return `the tree size ${String(treeSize)} is not an integer from 0 to 2^53 − 1`;
  if (!isTreeSize(leafIndex)) return `the leaf index ${String(leafIndex)} is not an integer from 0 to 2^53 − 1`;
  // Step 1.
  if (leafIndex >= treeSize) return `leaf ${leafIndex} is not in a tree of ${treeSize} leaves`;
  const malformed = notHashes({ 'the leaf hash': leafHash, 'the root': root }, proof);
  if (malformed) return malformed;
  // Steps 2 and 3: fn is the leaf's index at the current level, sn the last leaf's.
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  // Step 4.
  for (const p of proof) {
    if (sn === 0) return `the proof has ${proof.length} hashes: more than the path to the root`;
    if (isOdd(fn) || fn === sn) {
      // p is a left sibling (or the right edge's: a node with no right sibling rises alone).
      r = nodeHash(p, r);
      // If LSB(fn) is not set, right-shift both until it is or fn is 0.
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5.
  if (sn !== 0) return `the proof has ${proof.length} hashes: fewer than the path to the root`;
  if (!sameHash(r, root)) return 'the proof leads to another root';
  return undefined;
}

/** Whether the inclusion proof holds (RFC 9162 §2.1.3.2). */
export function verifyInclusion(claim: InclusionClaim): boolean {
  return inclusionProofFailure(claim) === undefined;
}

/** Why a consistency proof does not hold, or undefined when it does. */
export function consistencyProofFailure(claim: ConsistencyClaim): string | undefined {
  const { fromSize: first, toSize: second, fromRoot, toRoot, proof } = claim;
  if (!isTreeSize(first)) return `the first size ${String(first)} is not an integer from 0 to 2^53 − 1`;
  if (!isTreeSize(second)) return `the second size ${String(second)} is not an integer from 0 to 2^53 − 1`;
  if (first > second) return `the first tree (${first} leaves) is larger than the second (${second})`;
  if (first === 0) return 'nothing is proven from the empty tree: a consistency proof starts at size 1';
  if (first === second) {
    if (proof.length > 0) return 'the sizes are equal, so the proof must be empty';
    return sameHash(fromRoot, toRoot) ? undefined : 'the sizes are equal and the roots differ';
  }
  // Step 1.
  if (proof.length === 0) return 'the proof is empty';
  const malformed = notHashes({ 'the first root': fromRoot, 'the second root': toRoot }, proof);
  if (malformed) return malformed;
  // Step 2: when the first tree is a perfect subtree of the second, the proof leaves out its
  // root, which the verifier already holds.
  const path = isPowerOfTwo(first) ? [fromRoot, ...proof] : proof;
  // Step 3.
  let fn = first - 1;
  let sn = second - 1;
  // Step 4: up to the first tree's largest complete subtree on the right edge.
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5: fr rebuilds the first root, sr the second, from the same starting node.
  let fr = path[0];
  let sr = path[0];
  // Step 6.
  for (let i = 1; i < path.length; i++) {
    const c = path[i];
    if (sn === 0) return `the proof has ${proof.length} hashes: more than the trees need`;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      // If LSB(fn) is not set, right-shift both until it is or fn is 0.
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // Step 7.
  if (sn !== 0) return `the proof has ${proof.length} hashes: fewer than the trees need`;
  if (!sameHash(fr, fromRoot)) return 'the proof does not lead to the first root';
  if (!sameHash(sr, toRoot)) return 'the proof does not lead to the second root';
  return undefined;
}

/** Whether the consistency proof holds (RFC 9162 §2.1.4.2). */
export function verifyConsistency(claim: ConsistencyClaim): boolean {
  return consistencyProofFailure(claim) === undefined;
}

function notHashes(named: Record<string, Uint8Array>, proof: readonly Uint8Array[]): string | undefined {
  for (const [name, hash] of Object.entries(named)) {
    if (!(hash instanceof Uint8Array) || hash.length !== HASH_BYTES) return `${name} is not a 32-byte hash`;
  }
  const bad = proof.findIndex((hash) => !(hash instanceof Uint8Array) || hash.length !== HASH_BYTES);
  return bad === -1 ? undefined : `proof hash ${bad} is not a 32-byte hash`;
}
