export * from './commitments.projection';
export * from './commitment-history.projection';
export * from './sessions.projection';
export * from './session-view';
export * from './agreements.projection';
export * from './time-travel.projection';

import { logTreeProjection } from '@accord/log-tree';
import { agreementsProjection } from './agreements.projection';
import { commitmentHistoryProjection } from './commitment-history.projection';
import { commitmentsProjection } from './commitments.projection';
import { sessionsProjection } from './sessions.projection';
import { timeTravelProjection } from './time-travel.projection';

/** Every read model accord keeps, and the log's Merkle tree (@accord/log-tree), grown the same way. */
export const allProjections = [
  agreementsProjection,
  commitmentsProjection,
  commitmentHistoryProjection,
  sessionsProjection,
  timeTravelProjection,
  logTreeProjection,
] as const;
