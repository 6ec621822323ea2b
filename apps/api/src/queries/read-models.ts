import { Inject, Injectable } from '@nestjs/common';
import type { SqliteProjectionRunner, Tables } from '@accord/projections';
import type Database from 'better-sqlite3';
import { API_STATE } from '../auth/auth.module';
import type { ApiConfig } from '../config/api-config';
import { API_CONFIG } from '../config/api-config.provider';
import { PROJECTIONS } from '../committee/workers.module';
import { ProblemException } from '../http/problem';
import type { SqliteApiState } from '../state/sqlite-api-state';

/**
 * Where queries read: the live tables of each projection, after waiting (bounded) for
 * `?after=<position>` so that a client reads its own writes.
 */
@Injectable()
export class ReadModels {
  readonly db: Database.Database;

  constructor(
    @Inject(API_STATE) state: SqliteApiState,
    @Inject(PROJECTIONS) readonly runner: SqliteProjectionRunner,
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
          { projection, position: this.runner.checkpoint(projection) },
        );
      }
    }
    return this.runner.tables(projection);
  }
}
