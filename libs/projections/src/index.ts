export * from './log-follower';
export * from './checkpoints';
export * from './failures';
export { ProjectionFailedError } from './generation-group';
export * from './projection';
export * from './projection-registry';
export * from './projection-runner';
export * from './commitments.projection';
export * from './commitment-history.projection';
export * from './sessions.projection';
export * from './agreements.projection';
export * from './sql/sql-db';
export * from './sql/sqlite-db';
export * from './sql/postgres-db';

import { agreementsProjection } from './agreements.projection';
import { commitmentHistoryProjection } from './commitment-history.projection';
import { commitmentsProjection } from './commitments.projection';
import { sessionsProjection } from './sessions.projection';

/** Every read model accord keeps. */
export const allProjections = [
  agreementsProjection,
  commitmentsProjection,
  commitmentHistoryProjection,
  sessionsProjection,
] as const;
