import type { ExistingSession } from '@accord/committee';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ProblemException } from '../http/problem';
import { ReadModels } from '../workers/read-models';

export interface Dashboard {
  agreementId: string;
  position: number;
  counts: { status: string; domain: string; party: string; count: number }[];
  overdue: { id: string; title: string; domain: string; party: string; dueDate: string | null; status: string }[];
  awaitingPositions: Record<string, { sessionId: string; itemId: string; commitmentId: string; kind: string }[]>;
}

export class GetDashboardQuery extends Query<Dashboard> {
  constructor(
    readonly agreementId: string,
    readonly after?: number,
  ) {
    super();
  }
}

@QueryHandler(GetDashboardQuery)
export class GetDashboardHandler implements IQueryHandler<GetDashboardQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ agreementId, after }: GetDashboardQuery): Promise<Dashboard> {
    const a = await this.readModels.tables('agreements', after);
    const c = await this.readModels.tables('commitments', after);
    const s = await this.readModels.tables('sessions', after);
    const db = this.readModels.db;
    const [agreement] = await db.query<{ state: string }>(`SELECT state FROM "${a.agreements}" WHERE id = ?`, [
      agreementId,
    ]);
    if (!agreement) throw new ProblemException(404, 'NOT_FOUND', `agreement ${agreementId} does not exist`);
    const counts = (
      await db.query<Dashboard['counts'][number]>(
        `SELECT status, domain, proposing_party AS party, COUNT(*) AS count FROM "${c.commitments}"
         WHERE agreement_id = ? GROUP BY status, domain, proposing_party ORDER BY status, domain, party`,
        [agreementId],
      )
    ).map((row) => ({ ...row, count: Number(row.count) }));
    const overdue = await db.query<Dashboard['overdue'][number]>(
      `SELECT id, title, domain, proposing_party AS party, due_date AS "dueDate", status FROM "${c.commitments}"
       WHERE agreement_id = ? AND overdue = 1 ORDER BY due_date, id`,
      [agreementId],
    );
    const sessions = await db.query<{ state: string }>(
      `SELECT state FROM "${s.sessions}" WHERE agreement_id = ? AND status = 'open' ORDER BY scheduled_for, id`,
      [agreementId],
    );
    const awaitingPositions = awaitingPositionsIn(sessions.map(({ state }) => JSON.parse(state) as ExistingSession));
    const runner = this.readModels.runner;
    const position = Math.min(await runner.checkpoint('commitments'), await runner.checkpoint('sessions'));
    return { agreementId, position, counts, overdue, awaitingPositions };
  }
}

/** Per party, the open items of open sessions (in the order given) where it has taken no position yet. */
export function awaitingPositionsIn(openSessions: readonly ExistingSession[]): Dashboard['awaitingPositions'] {
  const awaiting: Dashboard['awaitingPositions'] = {};
  for (const session of openSessions) {
    for (const party of session.parties) awaiting[party] ??= [];
    for (const item of session.items) {
      if (item.status !== 'open') continue;
      for (const party of session.parties) {
        if (!item.positions[party]) {
          awaiting[party].push({
            sessionId: session.sessionId,
            itemId: item.itemId,
            commitmentId: item.commitmentId,
            kind: item.kind,
          });
        }
      }
    }
  }
  return awaiting;
}
