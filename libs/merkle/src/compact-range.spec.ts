import {
  CompactRange,
  consistencyProof,
  inclusionProof,
  isCompleteIn,
  leafHash,
  MAX_TREE_SIZE,
  MemoryNodeStore,
  nodeHash,
  rangeNodes,
  treeRoot,
  verifyConsistency,
  verifyInclusion,
  type NodeId,
  type NodeReader,
} from './index';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const leaf = (i: number): Uint8Array => leafHash(Buffer.from(`event ${i}`));

/**
 * A tree of 2^53 − 1 leaves that are all the same leaf: every node of level l has the same
 * hash p(l) = H(p(l−1), p(l−1)), so any node is known at once and the whole tree is consistent.
 * It checks the arithmetic where 32-bit operators would break (indices past 2^32).
 */
class UniformTree implements NodeReader {
  private readonly perLevel = [leafHash(Buffer.from('the same event'))];
  hashAt(level: number): Uint8Array {
    while (this.perLevel.length <= level) {
      const below = this.perLevel[this.perLevel.length - 1];
      this.perLevel.push(nodeHash(below, below));
    }
    return this.perLevel[level];
  }
  async getNodes(ids: readonly NodeId[]): Promise<Uint8Array[]> {
    return ids.map((id) => {
      if (!isCompleteIn(id, MAX_TREE_SIZE)) throw new RangeError('not in the tree');
      return this.hashAt(id.level);
    });
  }
}

describe('the compact range', () => {
  it('keeps one hash per set bit of the size, and appending completes exactly the subtrees the new leaf closes', () => {
    const range = CompactRange.empty();
    const seen = new Map<string, string>();
    for (let n = 0; n < 300; n++) {
      const completed = range.append(leaf(n));
      // Leaf n completes (0, n) and, for each trailing 1 bit of n, one subtree above it.
      let expected = 1;
      for (let m = n; m % 2 === 1; m = Math.floor(m / 2)) expected++;
      expect(completed).toHaveLength(expected);
      for (const node of completed) {
        expect(isCompleteIn(node, n + 1)).toBe(true);
        expect(isCompleteIn(node, n)).toBe(false);
        const key = `${node.level}/${node.index}`;
        expect(seen.has(key)).toBe(false); // a node is made once, never again
        seen.set(key, hex(node.hash));
      }
      expect(range.size).toBe(n + 1);
      expect(range.hashes).toHaveLength([...(n + 1).toString(2)].filter((bit) => bit === '1').length);
    }
    // Every complete node of the 300-leaf tree was handed out once: floor(300 / 2^l) per level.
    let total = 0;
    for (let level = 0; 2 ** level <= 300; level++) total += Math.floor(300 / 2 ** level);
    expect(seen.size).toBe(total);
  });

  it('encodes as 8 bytes of size and 32 per edge hash, and decodes to the same range', () => {
    const range = CompactRange.empty();
    expect(hex(range.encode())).toBe('0000000000000000');
    for (let n = 0; n < 13; n++) range.append(leaf(n));
    const bytes = range.encode();
    expect(bytes).toHaveLength(8 + 3 * 32); // 13 = 0b1101
    expect(hex(bytes.subarray(0, 8))).toBe('000000000000000d');
    const decoded = CompactRange.decode(bytes);
    expect(decoded.size).toBe(13);
    expect(hex(decoded.root())).toBe(hex(range.root()));
    // It goes on growing exactly like the original.
    decoded.append(leaf(13));
    range.append(leaf(13));
    expect(hex(decoded.encode())).toBe(hex(range.encode()));
  });

  it('refuses bytes that are not a compact range', () => {
    const bytes = (() => {
      const range = CompactRange.empty();
      for (let n = 0; n < 5; n++) range.append(leaf(n));
      return range.encode();
    })();
    expect(() => CompactRange.decode(bytes.subarray(0, 7))).toThrow('a compact range is at least 8 bytes');
    expect(() => CompactRange.decode(bytes.subarray(0, bytes.length - 1))).toThrow(
      'a compact range of 5 leaves is 72 bytes, not 71',
    );
    const tooBig = new Uint8Array(8);
    new DataView(tooBig.buffer).setBigUint64(0, 2n ** 53n);
    expect(() => CompactRange.decode(tooBig)).toThrow(/over 2\^53 − 1/);
    expect(() => CompactRange.of(5, [leaf(0)])).toThrow('a tree of 5 leaves has 2 edge hashes, not 1');
    expect(() => CompactRange.of(1, [new Uint8Array(31)])).toThrow('edge hash 0 has 31 bytes, not 32');
    expect(() => CompactRange.empty().append(new Uint8Array(33))).toThrow('a leaf hash is 32 bytes, not 33');
  });

  it('reads its edge back from the stored nodes at any size, and a clone grows apart', async () => {
    const store = new MemoryNodeStore();
    for (let n = 0; n < 100; n++) store.append(leaf(n));
    for (const size of [0, 1, 2, 3, 64, 77, 100]) {
      const range = await CompactRange.fromNodes(store, size);
      expect(range.size).toBe(size);
      expect(hex(range.root())).toBe(hex(await treeRoot(store, size)));
    }
    const range = await CompactRange.fromNodes(store, 77);
    const clone = range.clone();
    clone.append(leaf(77));
    expect(range.size).toBe(77);
    expect(hex(clone.root())).toBe(hex(await treeRoot(store, 78)));
  });

  it('works at 2^53 − 1 leaves: edge, append, encoding, proofs (no 32-bit arithmetic)', async () => {
    const tree = new UniformTree();
    const almostFull = MAX_TREE_SIZE - 1; // 2^53 − 2
    const range = await CompactRange.fromNodes(tree, almostFull);
    expect(range.hashes).toHaveLength(52);
    expect(rangeNodes(0, almostFull)[0]).toEqual({ level: 52, index: 0 });
    expect(rangeNodes(0, almostFull)[51]).toEqual({ level: 1, index: (2 ** 53 - 4) / 2 });

    const completed = range.append(tree.hashAt(0));
    expect(completed).toEqual([{ level: 0, index: MAX_TREE_SIZE - 1, hash: tree.hashAt(0) }]);
    expect(range.size).toBe(MAX_TREE_SIZE);
    expect(hex(range.root())).toBe(hex(await treeRoot(tree, MAX_TREE_SIZE)));
    expect(hex(CompactRange.decode(range.encode()).root())).toBe(hex(range.root()));
    expect(hex(range.encode().subarray(0, 8))).toBe('001fffffffffffff');
    expect(() => range.append(tree.hashAt(0))).toThrow('the tree is full (2^53 − 1 leaves)');

    const root = range.root();
    // The tree is 53 levels high; the last leaf (2^53 − 2) rises alone from level 0, so 52.
    for (const [leafIndex, depth] of [
      [0, 53],
      [2 ** 32 + 5, 53],
      [2 ** 52 + 1, 53],
      [MAX_TREE_SIZE - 1, 52],
    ]) {
      const proof = await inclusionProof(tree, leafIndex, MAX_TREE_SIZE);
      expect(proof).toHaveLength(depth);
      expect(verifyInclusion({ leafIndex, treeSize: MAX_TREE_SIZE, leafHash: tree.hashAt(0), proof, root })).toBe(true);
    }
    for (const fromSize of [1, 2 ** 32 + 3, 2 ** 52, MAX_TREE_SIZE - 2]) {
      const proof = await consistencyProof(tree, fromSize, MAX_TREE_SIZE);
      const fromRoot = await treeRoot(tree, fromSize);
      expect(verifyConsistency({ fromSize, toSize: MAX_TREE_SIZE, fromRoot, toRoot: root, proof })).toBe(true);
    }
    expect(
      verifyInclusion({ leafIndex: 0, treeSize: MAX_TREE_SIZE + 1, leafHash: tree.hashAt(0), proof: [], root }),
    ).toBe(false);
  });
});

describe('the in-memory node store', () => {
  it('only ever adds nodes: every node of a smaller tree is still there, unchanged, in the larger one', async () => {
    const store = new MemoryNodeStore();
    const snapshots: { size: number; nodes: Map<string, string> }[] = [];
    for (let n = 0; n < 200; n++) {
      store.append(leaf(n));
      if ([1, 2, 7, 64, 100, 199].includes(n)) {
        const nodes = new Map<string, string>();
        for (let level = 0; store.countAt(level) > 0; level++) {
          for (let index = 0; index < store.countAt(level); index++) {
            nodes.set(`${level}/${index}`, hex(store.getNode({ level, index })));
          }
        }
        snapshots.push({ size: store.size, nodes });
      }
    }
    for (let level = 0; level < 9; level++) expect(store.countAt(level)).toBe(Math.floor(200 / 2 ** level));
    for (const { nodes } of snapshots) {
      for (const [key, hash] of nodes) {
        const [level, index] = key.split('/').map(Number);
        expect(hex(store.getNode({ level, index }))).toBe(hash);
      }
    }
    expect(() => store.getNode({ level: 0, index: 200 })).toThrow('node (0, 200) is not in a tree of 200 leaves');
    expect(() => store.getNode({ level: 8, index: 0 })).toThrow('node (8, 0) is not in a tree of 200 leaves');
    expect(hex(store.root())).toBe(hex(await treeRoot(store, 200)));
  });
});
