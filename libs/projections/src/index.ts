export * from './log-follower';
export * from './sqlite-checkpoints';
export * from './sqlite-projection';
export * from './commitment-state.projection';
