/**
 * The tree's stored nodes: the roots of its perfect subtrees.
 *
 * Node (level, index) is the root of the perfect subtree of 2^level leaves
 * [index · 2^level, (index + 1) · 2^level). Level 0 holds the leaf hashes. A node exists once
 * the tree has all its leaves (size ≥ (index + 1) · 2^level), and from then on its hash never
 * changes: appending a leaf only adds nodes, never rewrites one (at most 1 + log2 n of them, the
 * leaf and each subtree it completes). A tree of n leaves has floor(n / 2^level) nodes at each
 * level, about 2n in all. This is the "perfect subtrees" layout of transparency-dev's logs: a
 * store can keep it in an append-only table keyed by (level, index).
 *
 * Any other subtree hash a proof needs, such as the root of a tree whose size is not a power of
 * two, is folded from a few of these nodes (`rangeNodes`, `foldRange`): no stored hash depends
 * on the tree's current size.
 */
import { HASH_BYTES, nodeHash } from './hash';
import { checkTreeSize, setBitsHighestFirst } from './bits';

/** The root of the perfect subtree of leaves [index · 2^level, (index + 1) · 2^level). */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** A node and its hash, as a store keeps it. */
export interface MerkleNode extends NodeId {
  readonly hash: Uint8Array;
}

/**
 * Where proofs read the nodes from: a table beside the log, a file, memory. Only complete
 * nodes are ever asked for (those of a tree of the size the proof is for). The answer has one
 * 32-byte hash per id, in the order asked; a missing node is an error (reject), never a gap.
 */
export interface NodeReader {
  getNodes(ids: readonly NodeId[]): Promise<readonly Uint8Array[]>;
}

/** The first leaf a node covers: index · 2^level. */
export function firstLeaf(node: NodeId): number {
  return node.index * 2 ** node.level;
}

/**
 * The nodes whose subtrees, left to right, make up the leaves [begin, end), for a range that
 * starts on a boundary of its own size: begin a multiple of the smallest power of two ≥
 * end − begin (so [0, n), and every subtree RFC 9162 names). They are one node per set bit of
 * end − begin, largest first: [8, 13) → (2, 2) for [8, 12), (0, 12) for [12, 13).
 */
export function rangeNodes(begin: number, end: number): NodeId[] {
  checkTreeSize(begin, 'the range start');
  checkTreeSize(end, 'the range end');
  if (end <= begin) throw new RangeError(`the range [${begin}, ${end}) is empty`);
  const nodes: NodeId[] = [];
  let at = begin;
  for (const level of setBitsHighestFirst(end - begin)) {
    const width = 2 ** level;
    if (at % width !== 0) throw new RangeError(`the range [${begin}, ${end}) is not aligned on its size`);
    nodes.push({ level, index: at / width });
    at += width;
  }
  return nodes;
}

/**
 * MTH of a range from its `rangeNodes` hashes, largest first: h1, h2, …, hj →
 * H(h1, H(h2, … H(hj−1, hj))). That is RFC 9162's MTH because the split point of a range of
 * s leaves (the largest power of two below s) is exactly its largest set bit when s is not a
 * power of two, and a power of two is one perfect node.
 */
export function foldRange(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) throw new RangeError('an empty range has no hash to fold');
  let root = hashes[hashes.length - 1];
  for (let i = hashes.length - 2; i >= 0; i--) root = nodeHash(hashes[i], root);
  return root;
}

/** Reads `ids` through `reader` and checks the answer's shape: one 32-byte hash per id. */
export async function readNodes(reader: NodeReader, ids: readonly NodeId[]): Promise<readonly Uint8Array[]> {
  if (ids.length === 0) return [];
  const hashes = await reader.getNodes(ids);
  if (hashes.length !== ids.length) {
    throw new Error(`the node reader answered ${hashes.length} hashes for ${ids.length} nodes`);
  }
  hashes.forEach((hash, i) => {
    if (!(hash instanceof Uint8Array) || hash.length !== HASH_BYTES) {
      throw new Error(`the node reader answered no 32-byte hash for node (${ids[i].level}, ${ids[i].index})`);
    }
  });
  return hashes;
}

/** The node ids a node's level and index name as text, for messages: "(3, 17)". */
export function describeNode(node: NodeId): string {
  return `(${node.level}, ${node.index})`;
}

/** Whether the node (level, index) is complete in a tree of `size` leaves. */
export function isCompleteIn(node: NodeId, size: number): boolean {
  return (node.index + 1) * 2 ** node.level <= size;
}
