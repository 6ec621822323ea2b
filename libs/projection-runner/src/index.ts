export * from './log-follower';
export * from './checkpoints';
export * from './failures';
export { ProjectionFailedError } from './generation-group';
export * from './projection';
export * from './projection-registry';
export * from './projection-runner';
export { BACKGROUND_NICE, SqliteBuildWriter } from './sqlite-build-writer';
