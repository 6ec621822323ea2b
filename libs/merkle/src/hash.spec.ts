import { createHash } from 'node:crypto';
import { CompactRange, emptyTreeRoot, leafHash, nodeHash, sameHash } from './index';
import { EMPTY_TREE_ROOT, RFC9162_LEAF_INPUTS, RFC9162_ROOT_OF_EIGHT } from './testing/rfc9162-vectors';
import { ReferenceTree } from './testing/reference';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const sha256 = (...parts: Uint8Array[]): string => createHash('sha256').update(Buffer.concat(parts)).digest('hex');

describe('the RFC 9162 hashes', () => {
  it('hashes a leaf as SHA-256(0x00 ‖ input) and a node as SHA-256(0x01 ‖ left ‖ right)', () => {
    const input = Buffer.from('an event');
    const left = leafHash(Buffer.from('left'));
    const right = leafHash(Buffer.from('right'));
    expect(hex(leafHash(input))).toBe(sha256(Buffer.from([0]), input));
    expect(hex(nodeHash(left, right))).toBe(sha256(Buffer.from([1]), left, right));
    expect(leafHash(input)).toHaveLength(32);
  });

  it('gives the published hashes: the empty leaf, the empty tree, the root of the eight vector leaves', () => {
    // RFC 6962's empty leaf hash, as every CT implementation has it.
    expect(hex(leafHash(new Uint8Array()))).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    expect(hex(emptyTreeRoot())).toBe(EMPTY_TREE_ROOT);
    expect(hex(CompactRange.empty().root())).toBe(EMPTY_TREE_ROOT);

    const range = CompactRange.empty();
    for (const input of RFC9162_LEAF_INPUTS) range.appendLeaf(input);
    expect(hex(range.root())).toBe(RFC9162_ROOT_OF_EIGHT);
    expect(hex(new ReferenceTree(RFC9162_LEAF_INPUTS.map(leafHash)).mth(0, 8))).toBe(RFC9162_ROOT_OF_EIGHT);
  });

  it('keeps a leaf from passing for a node: the same 64 bytes hash differently as leaf input and as children', () => {
    const left = leafHash(Buffer.from('a'));
    const right = leafHash(Buffer.from('b'));
    expect(sameHash(leafHash(Buffer.concat([left, right])), nodeHash(left, right))).toBe(false);
  });

  it('compares hashes by their bytes', () => {
    const a = leafHash(Buffer.from('x'));
    expect(sameHash(a, Uint8Array.from(a))).toBe(true);
    expect(sameHash(a, a.subarray(0, 31))).toBe(false);
    expect(sameHash(a, leafHash(Buffer.from('y')))).toBe(false);
  });
});
