export { HASH_BYTES, leafHash, nodeHash, emptyTreeRoot, sameHash } from './hash';
export { MAX_TREE_SIZE, isTreeSize } from './bits';
export {
  rangeNodes,
  foldRange,
  firstLeaf,
  isCompleteIn,
  describeNode,
  type NodeId,
  type MerkleNode,
  type NodeReader,
} from './nodes';
export { CompactRange } from './compact-range';
export * from './verify';
export * from './proofs';
export { MemoryNodeStore } from './memory-node-store';
