import {
  consistencyProof,
  consistencyProofFailure,
  inclusionProof,
  inclusionProofFailure,
  leafHash,
  MemoryNodeStore,
  treeRoot,
  verifyConsistency,
  verifyInclusion,
} from './index';
import { consistencyProbes, inclusionProbes, RFC9162_LEAF_INPUTS } from './testing/rfc9162-vectors';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('the published RFC 9162 probes (transparency-dev/merkle testdata)', () => {
  const inclusion = inclusionProbes();
  const consistency = consistencyProbes();

  it('are all there: 98 inclusion and 98 consistency probes, 12 of them to accept', () => {
    expect(inclusion).toHaveLength(98);
    expect(consistency).toHaveLength(98);
    expect([...inclusion, ...consistency].filter((probe) => !probe.wantErr)).toHaveLength(12);
  });

  it('inclusion: accepts exactly the probes marked wantErr: false, refuses every other one', () => {
    const wrong = inclusion
      .filter((probe) => verifyInclusion(probe) === probe.wantErr)
      .map((probe) => `${probe.file} (${probe.desc}): ${inclusionProofFailure(probe) ?? 'accepted'}`);
    expect(wrong).toEqual([]);
  });

  it('consistency: accepts exactly the probes marked wantErr: false, refuses every other one', () => {
    const wrong = consistency
      .filter((probe) => verifyConsistency(probe) === probe.wantErr)
      .map((probe) => `${probe.file} (${probe.desc}): ${consistencyProofFailure(probe) ?? 'accepted'}`);
    expect(wrong).toEqual([]);
  });

  it('says why a probe is refused', () => {
    const reasons = (file: string): string | undefined => {
      const inc = inclusion.find((probe) => probe.file === file);
      if (inc) return inclusionProofFailure(inc);
      const con = consistency.find((probe) => probe.file === file);
      return con && consistencyProofFailure(con);
    };
    expect(reasons('inclusion/2/random-root.json')).toBe('the proof leads to another root');
    expect(reasons('inclusion/2/wrong-leaf.json')).toBe('the leaf hash is not a 32-byte hash');
    expect(reasons('inclusion/1/leafIdx-sub-@1.json')).toMatch(/leaf index .* is not an integer from 0 to 2\^53/);
    expect(reasons('inclusion/1/removed-component.json')).toMatch(/fewer than the path to the root/);
    expect(reasons('inclusion/1/inserted-component.json')).toMatch(/more than the path to the root/);
    expect(reasons('consistency/additional/size1-is-zero-and-size2-is-not-zero.json')).toMatch(/empty tree/);
    expect(reasons('consistency/2/swapped-roots.json')).toBe('the proof does not lead to the first root');
  });

  it('are what the builders make over the eight published leaves, hash for hash', async () => {
    const store = new MemoryNodeStore();
    for (const input of RFC9162_LEAF_INPUTS) store.appendLeaf(input);
    const happy = (probe: { file: string }) => probe.file.endsWith('happy-path.json');

    for (const probe of inclusion.filter(happy)) {
      expect(hex(leafHash(RFC9162_LEAF_INPUTS[probe.leafIndex]))).toBe(hex(probe.leafHash));
      expect(hex(await treeRoot(store, probe.treeSize))).toBe(hex(probe.root));
      expect((await inclusionProof(store, probe.leafIndex, probe.treeSize)).map(hex)).toEqual(probe.proof.map(hex));
    }
    for (const probe of consistency.filter(happy)) {
      expect(hex(await treeRoot(store, probe.fromSize))).toBe(hex(probe.fromRoot));
      expect(hex(await treeRoot(store, probe.toSize))).toBe(hex(probe.toRoot));
      expect((await consistencyProof(store, probe.fromSize, probe.toSize)).map(hex)).toEqual(probe.proof.map(hex));
    }
    expect(inclusion.filter(happy)).toHaveLength(5);
    expect(consistency.filter(happy)).toHaveLength(5);
  });
});
