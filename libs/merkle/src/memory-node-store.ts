/**
 * The tree's nodes in memory: a `NodeReader` that grows leaf by leaf through a compact range.
 * For tests, the bench, and a verifier that builds the tree of a bundle offline. Each level's
 * hashes sit end to end in one growing buffer (node (level, index) at bytes 32 · index), so a
 * million leaves take about 64 MB, not two million small buffers.
 */
import { HASH_BYTES, leafHash } from './hash';
import { CompactRange } from './compact-range';
import { describeNode, type MerkleNode, type NodeId, type NodeReader } from './nodes';

export class MemoryNodeStore implements NodeReader {
  /** levels[l] holds counts[l] hashes of level l, end to end. */
  private readonly levels: Uint8Array[] = [];
  private readonly counts: number[] = [];
  private readonly range = CompactRange.empty();

  /** The number of leaves. */
  get size(): number {
    return this.range.size;
  }

  /** MTH of the whole tree. */
  root(): Uint8Array {
    return this.range.root();
  }

  /** A copy of the compact range of the whole tree. */
  compactRange(): CompactRange {
    return this.range.clone();
  }

  /** Appends a leaf by its hash, and keeps the nodes it completes. */
  append(hash: Uint8Array): MerkleNode[] {
    const completed = this.range.append(hash);
    for (const node of completed) this.put(node);
    return completed;
  }

  /** `append(leafHash(input))`. */
  appendLeaf(input: Uint8Array): MerkleNode[] {
    return this.append(leafHash(input));
  }

  /** How many nodes the store holds at `level` (floor(size / 2^level)). */
  countAt(level: number): number {
    return this.counts[level] ?? 0;
  }

  async getNodes(ids: readonly NodeId[]): Promise<Uint8Array[]> {
    return ids.map((id) => this.getNode(id));
  }

  /** The node's hash (a view into the store: read it, do not write into it). */
  getNode(id: NodeId): Uint8Array {
    const { level, index } = id;
    if (!Number.isInteger(level) || !Number.isInteger(index) || index < 0 || index >= this.countAt(level)) {
      throw new RangeError(`node ${describeNode(id)} is not in a tree of ${this.size} leaves`);
    }
    return this.levels[level].subarray(index * HASH_BYTES, (index + 1) * HASH_BYTES);
  }

  /** Nodes arrive in order at each level (index = the level's count): only ever appended. */
  private put(node: MerkleNode): void {
    const { level, index, hash } = node;
    while (this.levels.length <= level) {
      this.levels.push(new Uint8Array(64 * HASH_BYTES));
      this.counts.push(0);
    }
    if (index !== this.counts[level]) throw new Error(`node ${describeNode(node)} arrived out of order`);
    let buffer = this.levels[level];
    if ((index + 1) * HASH_BYTES > buffer.length) {
      const grown = new Uint8Array(buffer.length * 2);
      grown.set(buffer);
      this.levels[level] = buffer = grown;
    }
    buffer.set(hash, index * HASH_BYTES);
    this.counts[level]++;
  }
}
