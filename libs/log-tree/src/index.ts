export * from './leaf';
export { LOG_TREE, logTreeProjection, rangeOfHead } from './tree.projection';
export * from './sql-log-tree';
export * from './log-identity';
export * from './checkpoint-store';
export * from './witnesses';
export * from './witness';
export * from './witness-state';
