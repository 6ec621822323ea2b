import { Inject, Injectable } from '@nestjs/common';
import type { ProjectionRunner, Tables } from '@accord/projection-runner';
import type { SqlDb } from '@accord/sql';
import { API_STATE } from '../infrastructure/state/state.module';
import type { ApiConfig } from '../infrastructure/api-config';
import { API_CONFIG } from '../infrastructure/api-config.provider';
import { PROJECTIONS } from './workers.tokens';
import { ProblemException } from '../http/problem';
import type { SqlApiState } from '../infrastructure/state/sql-api-state';

/**
 * Where queries read: the live tables of each projection, after waiting (bounded) for
 * `?after=<position>` so that a client reads its own writes.
 */
@Injectable()
export class ReadModels {
  readonly db: SqlDb;

  constructor(
    @Inject(API_STATE) state: SqlApiState,
    @Inject(PROJECTIONS) readonly runner: ProjectionRunner,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {
    this.db = state.db;
  }

  /** The live tables of a projection, once it has passed `after` (when given). */
  async tables(projection: string, after: number | undefined): Promise<Tables> {
    if (after !== undefined && after > 0) {
      const reached = await this.runner.waitFor(projection, after, this.config.readWaitMs);
      if (!reached) {
        throw new ProblemException(
          503,
          'SERVICE_UNAVAILABLE',
          `The ${projection} read model has not reached position ${after} within ${this.config.readWaitMs} ms; retry shortly`,
          { projection, position: await this.runner.checkpoint(projection) },
        );
      }
    }
    return this.runner.tables(projection);
  }
}
