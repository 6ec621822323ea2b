/**
 * The properties, for every tree of 1 to 300 leaves and every leaf or older size in it: the
 * builders over the stored nodes make exactly RFC 9162's PATH and PROOF (the reference is the
 * RFC's recursion), the verifiers accept them, and refuse them once a leaf, a root, a size or
 * one byte of the proof is changed.
 */
import {
  CompactRange,
  consistencyProof,
  consistencyProofNodes,
  inclusionProof,
  inclusionProofNodes,
  leafHash,
  MemoryNodeStore,
  sameHash,
  treeRoot,
  verifyConsistency,
  verifyInclusion,
  type NodeId,
  type NodeReader,
} from './index';
import { ReferenceTree } from './testing/reference';

const MAX_SIZE = 300;
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const same = (a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean =>
  a.length === b.length && a.every((hash, i) => sameHash(hash, b[i]));

/** Flips one bit of one hash of the proof (chosen by `seed`), in a copy. */
function flipped(proof: readonly Uint8Array[], seed: number): Uint8Array[] {
  const copy = proof.map((hash) => Uint8Array.from(hash));
  const hash = copy[seed % copy.length];
  hash[(seed * 7) % hash.length] ^= 1 << (seed % 8);
  return copy;
}

/**
 * Every pair gets a changed leaf (or older root) and a flipped proof bit; the other changes
 * go to every pair of trees up to 64 leaves and one pair in eight beyond, to keep the spec fast.
 */
const thorough = (m: number, n: number): boolean => n <= 64 || (m * 31 + n) % 8 === 0;

/** Counts the reads a builder makes, over a store of the first MAX_SIZE leaves. */
class CountingReader implements NodeReader {
  calls = 0;
  nodes = 0;
  constructor(private readonly inner: NodeReader) {}
  async getNodes(ids: readonly NodeId[]): Promise<readonly Uint8Array[]> {
    this.calls++;
    this.nodes += ids.length;
    return this.inner.getNodes(ids);
  }
}

describe(`proofs in every tree of 1 to ${MAX_SIZE} leaves`, () => {
  const leaves = Array.from({ length: MAX_SIZE }, (_, i) => leafHash(Buffer.from(`event ${i}`)));
  const reference = new ReferenceTree(leaves);
  // One store holds the largest tree; a proof for a smaller size reads only nodes complete at
  // that size, so the same store serves every size (which is how a log's store is used).
  const store = new MemoryNodeStore();
  leaves.forEach((leaf) => store.append(leaf));
  const roots = [reference.mth(0, 0), ...leaves.map((_, i) => reference.mth(0, i + 1))];
  // rewritten[m]: the root of the first m leaves with the last one replaced (a changed history).
  const other = leafHash(Buffer.from('another event'));
  const rewritten = [reference.mth(0, 0)];
  const prefix = CompactRange.empty();
  for (const leaf of leaves) {
    const changed = prefix.clone();
    changed.append(other);
    rewritten.push(changed.root());
    prefix.append(leaf);
  }

  it('the root of every size, from the stored nodes and from a compact range, is MTH computed the RFC way', async () => {
    const wrong: string[] = [];
    const range = CompactRange.empty();
    expect(hex(await treeRoot(store, 0))).toBe(hex(reference.mth(0, 0)));
    for (let n = 1; n <= MAX_SIZE; n++) {
      range.append(leaves[n - 1]);
      if (hex(range.root()) !== hex(roots[n])) wrong.push(`compact range at ${n}`);
      if (hex(await treeRoot(store, n)) !== hex(roots[n])) wrong.push(`treeRoot at ${n}`);
      if (hex(CompactRange.decode(range.encode()).root()) !== hex(roots[n])) wrong.push(`decoded range at ${n}`);
    }
    expect(wrong).toEqual([]);
  });

  it('inclusion: the proof is PATH(m, D[n]), read in one call of at most 2·log2(n) nodes; it verifies, and nothing changed does', async () => {
    const wrong: string[] = [];
    let checked = 0;
    for (let n = 1; n <= MAX_SIZE; n++) {
      const root = roots[n];
      for (let m = 0; m < n; m++) {
        const reader = new CountingReader(store);
        const proof = await inclusionProof(reader, m, n);
        const at = `leaf ${m} of ${n}`;
        if (!same(proof, reference.path(m, n))) wrong.push(`${at}: not PATH(m, D[n])`);
        if (reader.calls > 1 || reader.nodes > 2 * Math.ceil(Math.log2(n))) wrong.push(`${at}: ${reader.nodes} reads`);
        if (inclusionProofNodes(m, n).length !== reader.nodes) wrong.push(`${at}: the node list differs`);
        const claim = { leafIndex: m, treeSize: n, leafHash: leaves[m], proof, root };
        if (!verifyInclusion(claim)) wrong.push(`${at}: refused`);
        // A changed leaf, one flipped bit; a changed root, index, or tree (another size with
        // its root), one hash less or more: refused. (A size changed alone can pass when the path has the
        // same shape at both sizes: the proof does not bind the size, the signed checkpoint does.)
        const changes = [
          { ...claim, leafHash: other },
          ...(proof.length > 0 ? [{ ...claim, proof: flipped(proof, m + n) }] : []),
          ...(!thorough(m, n)
            ? []
            : [
                { ...claim, root: rewritten[n] },
                { ...claim, leafIndex: m + 1 },
                ...(m > 0 ? [{ ...claim, leafIndex: m - 1 }] : []),
                ...(n < MAX_SIZE ? [{ ...claim, treeSize: n + 1, root: roots[n + 1] }] : []),
                ...(n > m + 1 ? [{ ...claim, treeSize: n - 1, root: roots[n - 1] }] : []),
                ...(proof.length > 0
                  ? [
                      { ...claim, proof: proof.slice(1) },
                      { ...claim, proof: proof.slice(0, -1) },
                    ]
                  : []),
                { ...claim, proof: [...proof, leaves[0]] },
                { ...claim, proof: [leaves[0], ...proof] },
              ]),
        ];
        changes.forEach((changed, i) => {
          if (verifyInclusion(changed)) wrong.push(`${at}: change ${i} accepted`);
        });
        checked++;
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBe((MAX_SIZE * (MAX_SIZE + 1)) / 2);
  });

  it('consistency: the proof is PROOF(m, D[n]), read in one call of O(log n) nodes; it verifies, and nothing changed does', async () => {
    const wrong: string[] = [];
    let checked = 0;
    for (let n = 1; n <= MAX_SIZE; n++) {
      for (let m = 1; m <= n; m++) {
        const reader = new CountingReader(store);
        const proof = await consistencyProof(reader, m, n);
        const at = `${m} → ${n}`;
        if (!same(proof, reference.proof(m, n))) wrong.push(`${at}: not PROOF(m, D[n])`);
        if (reader.calls > 1 || reader.nodes > 2 * Math.ceil(Math.log2(n)) + 1)
          wrong.push(`${at}: ${reader.nodes} reads`);
        if (consistencyProofNodes(m, n).length !== reader.nodes) wrong.push(`${at}: the node list differs`);
        const claim = { fromSize: m, toSize: n, fromRoot: roots[m], toRoot: roots[n], proof };
        if (!verifyConsistency(claim)) wrong.push(`${at}: refused`);
        // The older tree with its last leaf changed (a rewritten history), one flipped bit; the
        // newer one rewritten, the roots swapped, another tree (a size with its root), one hash
        // less or more: refused.
        const changes = [
          { ...claim, fromRoot: rewritten[m] },
          ...(proof.length > 0 ? [{ ...claim, proof: flipped(proof, m * n) }] : []),
          ...(!thorough(m, n)
            ? []
            : [
                { ...claim, toRoot: rewritten[n] },
                ...(m < n ? [{ ...claim, fromRoot: claim.toRoot, toRoot: claim.fromRoot }] : []),
                ...(m < n ? [{ ...claim, fromSize: m + 1, fromRoot: roots[m + 1] }] : []),
                ...(m > 1 ? [{ ...claim, fromSize: m - 1, fromRoot: roots[m - 1] }] : []),
                ...(n < MAX_SIZE ? [{ ...claim, toSize: n + 1, toRoot: roots[n + 1] }] : []),
                ...(n > m ? [{ ...claim, toSize: n - 1, toRoot: roots[n - 1] }] : []),
                ...(proof.length > 0
                  ? [
                      { ...claim, proof: proof.slice(1) },
                      { ...claim, proof: proof.slice(0, -1) },
                    ]
                  : []),
                { ...claim, proof: [...proof, leaves[0]] },
                { ...claim, proof: [leaves[0], ...proof] },
              ]),
        ];
        changes.forEach((changed, i) => {
          if (verifyConsistency(changed)) wrong.push(`${at}: change ${i} accepted`);
        });
        checked++;
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBe((MAX_SIZE * (MAX_SIZE + 1)) / 2);
  });

  it('refuses to build a proof the RFC does not define', async () => {
    await expect(inclusionProof(store, 5, 5)).rejects.toThrow('leaf 5 is not in a tree of 5 leaves');
    await expect(inclusionProof(store, 0, 0)).rejects.toThrow(RangeError);
    await expect(inclusionProof(store, -1, 5)).rejects.toThrow(/integer from 0 to 2\^53/);
    await expect(consistencyProof(store, 0, 5)).rejects.toThrow(/empty tree/);
    await expect(consistencyProof(store, 6, 5)).rejects.toThrow(/larger than the second/);
    expect(await consistencyProof(store, 5, 5)).toEqual([]);
  });

  it('refuses to build from a store that lacks a node or answers a malformed hash', async () => {
    await expect(inclusionProof(store, 0, MAX_SIZE + 1)).rejects.toThrow(/is not in a tree of 300 leaves/);
    const short: NodeReader = { getNodes: async (ids) => ids.slice(1).map(() => new Uint8Array(32)) };
    await expect(inclusionProof(short, 0, 8)).rejects.toThrow('the node reader answered 2 hashes for 3 nodes');
    const bad: NodeReader = { getNodes: async (ids) => ids.map(() => new Uint8Array(31)) };
    await expect(treeRoot(bad, 8)).rejects.toThrow('the node reader answered no 32-byte hash for node (3, 0)');
  });
});
