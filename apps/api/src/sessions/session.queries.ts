import type { ExistingSession } from '@accord/committee';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ProblemException } from '../http/problem';
import { ReadModels } from '../workers/read-models';

export interface SessionView extends Omit<ExistingSession, 'sessionId'> {
  id: string;
  revision: number;
  position: number;
}

export class GetSessionQuery extends Query<SessionView> {
  constructor(
    readonly id: string,
    readonly after?: number,
  ) {
    super();
  }
}

@QueryHandler(GetSessionQuery)
export class GetSessionHandler implements IQueryHandler<GetSessionQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ id, after }: GetSessionQuery): Promise<SessionView> {
    const t = await this.readModels.tables('sessions', after);
    const [row] = await this.readModels.db.query<{ state: string; revision: number; position: number }>(
      `SELECT state, revision, position FROM "${t.sessions}" WHERE id = ?`,
      [id],
    );
    if (!row) throw new ProblemException(404, 'NOT_FOUND', `session ${id} does not exist`);
    const { sessionId, ...state } = JSON.parse(row.state) as ExistingSession;
    return { id: sessionId, ...state, revision: Number(row.revision), position: Number(row.position) };
  }
}
