/**
 * A compact range: the right edge of a tree of n leaves, one hash per set bit of n (the
 * perfect subtrees [0, n) splits into, largest first). It is all that is needed to append
 * the next leaf and to compute the root, in O(log n) memory and no reads: the tree grows as
 * events commit without re-reading the log or the stored nodes.
 *
 *     n = 6 = 0b110:   edge = [ (2, 0) over leaves 0–3, (1, 2) over leaves 4–5 ]
 *     append leaf 6:   edge = [ (2, 0), (1, 2), (0, 6) ]                 n = 7 = 0b111
 *     append leaf 7:   (0, 7) completes (1, 3), which completes (2, 1), which completes (3, 0):
 *                      edge = [ (3, 0) ]                                  n = 8
 *
 * `append` returns the nodes it completed, for a store to keep (`nodes.ts`: they are never
 * rewritten). The range is mutable; `clone` one to try an append that may be rolled back.
 *
 * Its encoded form (`encode`, `CompactRange.decode`) is 8 bytes of n (big-endian) followed
 * by the edge's hashes, largest subtree first: 8 + 32 · popcount(n) bytes, at most 1,704.
 */
import { HASH_BYTES, emptyTreeRoot, leafHash, nodeHash } from './hash';
import { checkTreeSize, countSetBits, half, isOdd, MAX_TREE_SIZE } from './bits';
import { foldRange, rangeNodes, readNodes, type MerkleNode, type NodeId, type NodeReader } from './nodes';

const SIZE_BYTES = 8;

export class CompactRange {
  private constructor(
    private treeSize: number,
    /** The edge's hashes, largest subtree first; one per set bit of treeSize. */
    private readonly edge: Uint8Array[],
  ) {}

  /** The range of the empty tree. */
  static empty(): CompactRange {
    return new CompactRange(0, []);
  }

  /**
   * The range of a tree of `size` leaves from its edge hashes, largest subtree first (as
   * `hashes` gives them): one per set bit of size.
   */
  static of(size: number, hashes: readonly Uint8Array[]): CompactRange {
    checkTreeSize(size, 'the tree size');
    if (hashes.length !== countSetBits(size)) {
      throw new RangeError(`a tree of ${size} leaves has ${countSetBits(size)} edge hashes, not ${hashes.length}`);
    }
    hashes.forEach((hash, i) => {
      if (hash.length !== HASH_BYTES) throw new RangeError(`edge hash ${i} has ${hash.length} bytes, not 32`);
    });
    return new CompactRange(
      size,
      hashes.map((hash) => Uint8Array.from(hash)),
    );
  }

  /** The nodes that make up the edge of a tree of `size` leaves (what `fromNodes` reads). */
  static edgeNodes(size: number): NodeId[] {
    checkTreeSize(size, 'the tree size');
    return size === 0 ? [] : rangeNodes(0, size);
  }

  /** The range of the tree of `size` leaves whose nodes `reader` holds: popcount(size) reads. */
  static async fromNodes(reader: NodeReader, size: number): Promise<CompactRange> {
    return CompactRange.of(size, await readNodes(reader, CompactRange.edgeNodes(size)));
  }

  /** The range `encode` wrote; throws a RangeError on any other bytes. */
  static decode(bytes: Uint8Array): CompactRange {
    if (bytes.length < SIZE_BYTES) throw new RangeError('a compact range is at least 8 bytes');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const size = view.getBigUint64(0);
    if (size > BigInt(MAX_TREE_SIZE)) throw new RangeError(`the tree size ${size} is over 2^53 − 1`);
    const n = Number(size);
    const count = countSetBits(n);
    if (bytes.length !== SIZE_BYTES + count * HASH_BYTES) {
      throw new RangeError(
        `a compact range of ${n} leaves is ${SIZE_BYTES + count * HASH_BYTES} bytes, not ${bytes.length}`,
      );
    }
    const hashes: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const at = SIZE_BYTES + i * HASH_BYTES;
      hashes.push(Uint8Array.from(bytes.subarray(at, at + HASH_BYTES)));
    }
    return new CompactRange(n, hashes);
  }

  /** The number of leaves. */
  get size(): number {
    return this.treeSize;
  }

  /** The edge's hashes, largest subtree first (copies). */
  get hashes(): Uint8Array[] {
    return this.edge.map((hash) => Uint8Array.from(hash));
  }

  /**
   * Appends the leaf whose hash is `hash` (`leafHash(input)`), and returns the nodes this
   * completed: the leaf's own node (0, n) and, for each trailing 1 bit of n, the subtree it
   * closes, lowest first. Amortised, one node hash a leaf. The returned hashes are shared
   * with the range: read them, do not write into them.
   */
  append(hash: Uint8Array): MerkleNode[] {
    if (hash.length !== HASH_BYTES) throw new RangeError(`a leaf hash is 32 bytes, not ${hash.length}`);
    if (this.treeSize >= MAX_TREE_SIZE) throw new RangeError('the tree is full (2^53 − 1 leaves)');
    let carry: Uint8Array = Uint8Array.from(hash);
    let index = this.treeSize;
    const completed: MerkleNode[] = [{ level: 0, index, hash: carry }];
    // Each 1 bit at the bottom of n is an edge subtree of the same size as the carry, just
    // left of it: merge them, one level up, until a 0 bit (a free place on the edge).
    for (let level = 0, n = this.treeSize; isOdd(n); level++, n = half(n)) {
      carry = nodeHash(this.edge.pop() as Uint8Array, carry);
      index = half(index);
      completed.push({ level: level + 1, index, hash: carry });
    }
    this.edge.push(carry);
    this.treeSize++;
    return completed;
  }

  /** `append(leafHash(input))`. */
  appendLeaf(input: Uint8Array): MerkleNode[] {
    return this.append(leafHash(input));
  }

  /** MTH of the tree: the edge folded from the right; SHA-256("") for the empty tree. */
  root(): Uint8Array {
    return this.treeSize === 0 ? emptyTreeRoot() : Uint8Array.from(foldRange(this.edge));
  }

  /** 8 bytes of the size (big-endian), then the edge's hashes, largest subtree first. */
  encode(): Uint8Array {
    const bytes = new Uint8Array(SIZE_BYTES + this.edge.length * HASH_BYTES);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(this.treeSize));
    this.edge.forEach((hash, i) => bytes.set(hash, SIZE_BYTES + i * HASH_BYTES));
    return bytes;
  }

  /** An independent copy. */
  clone(): CompactRange {
    return new CompactRange(this.treeSize, this.hashes);
  }
}
