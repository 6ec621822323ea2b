/**
 * Making proofs, RFC 9162 §2.1.3.1 (inclusion) and §2.1.4.1 (consistency), from the stored
 * nodes (`nodes.ts`) through a `NodeReader`, in one read of O(log n) nodes.
 *
 * The RFC defines each proof as a list of MTH(D[a:b]) for subtrees of the tree. Each builder
 * first works out those ranges from the sizes alone (no hash needed), then the perfect nodes
 * each range is made of (`rangeNodes`: one for a perfect subtree, one per set bit for the one
 * range on the right edge that may not be perfect), reads them all at once, and folds them.
 * An inclusion proof reads at most 2 · log2 n nodes, a consistency proof likewise.
 */
import { emptyTreeRoot } from './hash';
import { checkTreeSize, splitPoint } from './bits';
import { foldRange, rangeNodes, readNodes, type NodeId, type NodeReader } from './nodes';

/** A range of leaves [begin, end) whose MTH is one hash of a proof. */
export interface LeafRange {
  readonly begin: number;
  readonly end: number;
}

/**
 * The ranges of PATH(m, D[n]), lowest first:
 *
 *     PATH(0, {d(0)}) = {}
 *     PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])       for m < k
 *     PATH(m, D[n]) = PATH(m − k, D[k:n]) : MTH(D[0:k])   for m ≥ k      (k the split point of n)
 *
 * walked from the root down (each step appends the sibling of the half holding m), then reversed.
 */
export function inclusionRanges(leafIndex: number, treeSize: number): LeafRange[] {
  checkTreeSize(treeSize, 'the tree size');
  checkTreeSize(leafIndex, 'the leaf index');
  if (leafIndex >= treeSize) throw new RangeError(`leaf ${leafIndex} is not in a tree of ${treeSize} leaves`);
  const ranges: LeafRange[] = [];
  let begin = 0;
  let end = treeSize;
  while (end - begin > 1) {
    const k = splitPoint(end - begin);
    if (leafIndex - begin < k) {
      ranges.push({ begin: begin + k, end });
      end = begin + k;
    } else {
      ranges.push({ begin, end: begin + k });
      begin += k;
    }
  }
  return ranges.reverse();
}

/**
 * The ranges of PROOF(m, D[n]) = SUBPROOF(m, D[n], true), 0 < m ≤ n, lowest first:
 *
 *     SUBPROOF(m, D[m], true)  = {}
 *     SUBPROOF(m, D[m], false) = {MTH(D[m])}
 *     SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])            for m ≤ k
 *     SUBPROOF(m, D[n], b) = SUBPROOF(m − k, D[k:n], false) : MTH(D[0:k])    for m > k
 *
 * walked from the root down, then reversed. b stays true while the first tree is a prefix of
 * the current subtree's left edge: its root, which the verifier holds, is then left out.
 */
export function consistencyRanges(fromSize: number, toSize: number): LeafRange[] {
  checkTreeSize(fromSize, 'the first size');
  checkTreeSize(toSize, 'the second size');
  if (fromSize === 0)
    throw new RangeError('a consistency proof starts at size 1: nothing is proven from the empty tree');
  if (fromSize > toSize) throw new RangeError(`the first size ${fromSize} is larger than the second, ${toSize}`);
  const ranges: LeafRange[] = [];
  let begin = 0;
  let end = toSize;
  let m = fromSize; // the first tree's leaves within [begin, end)
  let whole = true; // b
  while (m !== end - begin) {
    const k = splitPoint(end - begin);
    if (m <= k) {
      ranges.push({ begin: begin + k, end });
      end = begin + k;
    } else {
      ranges.push({ begin, end: begin + k });
      begin += k;
      m -= k;
      whole = false;
    }
  }
  if (!whole) ranges.push({ begin, end });
  return ranges.reverse();
}

/** Reads the nodes of every range at once and folds each range to its MTH. */
async function rangeHashes(reader: NodeReader, ranges: readonly LeafRange[]): Promise<Uint8Array[]> {
  const perRange = ranges.map((range) => rangeNodes(range.begin, range.end));
  const ids: NodeId[] = perRange.flat();
  const hashes = await readNodes(reader, ids);
  let at = 0;
  return perRange.map((nodes) => {
    const part = hashes.slice(at, at + nodes.length);
    at += nodes.length;
    return Uint8Array.from(foldRange(part));
  });
}

/** The inclusion proof of leaf `leafIndex` in the tree of `treeSize` leaves (0 ≤ leafIndex < treeSize). */
export async function inclusionProof(reader: NodeReader, leafIndex: number, treeSize: number): Promise<Uint8Array[]> {
  return rangeHashes(reader, inclusionRanges(leafIndex, treeSize));
}

/** The consistency proof between the trees of `fromSize` and `toSize` leaves (0 < fromSize ≤ toSize). */
export async function consistencyProof(reader: NodeReader, fromSize: number, toSize: number): Promise<Uint8Array[]> {
  return rangeHashes(reader, consistencyRanges(fromSize, toSize));
}

/** MTH of the tree of `treeSize` leaves, from its popcount(treeSize) edge nodes; SHA-256("") for 0. */
export async function treeRoot(reader: NodeReader, treeSize: number): Promise<Uint8Array> {
  checkTreeSize(treeSize, 'the tree size');
  if (treeSize === 0) return emptyTreeRoot();
  const [root] = await rangeHashes(reader, [{ begin: 0, end: treeSize }]);
  return root;
}

/** The node ids an inclusion proof reads, for a store that wants to fetch or cache them itself. */
export function inclusionProofNodes(leafIndex: number, treeSize: number): NodeId[] {
  return inclusionRanges(leafIndex, treeSize).flatMap((range) => rangeNodes(range.begin, range.end));
}

/** The node ids a consistency proof reads. */
export function consistencyProofNodes(fromSize: number, toSize: number): NodeId[] {
  return consistencyRanges(fromSize, toSize).flatMap((range) => rangeNodes(range.begin, range.end));
}
