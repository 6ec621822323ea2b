import { parseInstant } from '@accord/audit';
import type { ExistingSession } from '@accord/committee';
import { toSessionView, type SessionJournal, type SessionView } from '@accord/read-models';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ProblemException } from '../http/problem';
import { ReadModels } from '../workers/read-models';
import { currentTables } from './current-tables';
import { badCursor, decodeCursor, encodeCursor, fingerprint } from '../commitments/page-cursor';
import type { ListSessionsQueryDto } from './session-query.dto';

export type { SessionView };

/** A row of the sessions read model, as the queries read it. */
export interface SessionRow {
  id: string;
  scheduled_ms: number | string;
  state: string;
  journal: string;
  revision: number | string;
  position: number | string;
  updated_at: string;
}

export const toView = (row: SessionRow): SessionView =>
  toSessionView(
    JSON.parse(row.state) as ExistingSession,
    JSON.parse(row.journal) as SessionJournal,
    Number(row.revision),
    Number(row.position),
  );

export class GetSessionQuery extends Query<SessionView> {
  constructor(
    readonly id: string,
    readonly after?: number,
  ) {
    super();
  }
}

export class ListSessionsQuery extends Query<{ items: SessionView[]; nextCursor: string | null }> {
  constructor(readonly filters: ListSessionsQueryDto) {
    super();
  }
}

@QueryHandler(GetSessionQuery)
export class GetSessionHandler implements IQueryHandler<GetSessionQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ id, after }: GetSessionQuery): Promise<SessionView> {
    const t = await currentTables(this.readModels, 'sessions', after);
    const [row] = await this.readModels.db.query<SessionRow>(
      `SELECT state, journal, revision, position FROM "${t.sessions}" WHERE id = ?`,
      [id],
    );
    if (!row) throw new ProblemException(404, 'NOT_FOUND', `session ${id} does not exist`);
    return toView(row);
  }
}

/** Where a page of GET /sessions goes on: a cursor of this list, issued for the same filters. */
function sessionsCursor(cursor: string, question: string): [number, string] {
  const [asked, ms, id] = decodeCursor(cursor, 'sessions');
  if (typeof asked !== 'string' || !Number.isSafeInteger(ms) || typeof id !== 'string') {
    badCursor('must be the nextCursor of a previous page of this list');
  }
  if (asked !== question) {
    badCursor(
      'was issued for other filters: send it with the filters of the request that gave it',
      'cursor',
      'cursor was issued for another question',
    );
  }
  return [ms as number, id];
}

/** Sessions in the order they are scheduled (then by id), filtered, a page at a time. */
@QueryHandler(ListSessionsQuery)
export class ListSessionsHandler implements IQueryHandler<ListSessionsQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ filters }: ListSessionsQuery) {
    const t = await currentTables(this.readModels, 'sessions', filters.after);
    const fromMs = filters.from === undefined ? undefined : parseInstant(filters.from);
    const toMs = filters.to === undefined ? undefined : parseInstant(filters.to);
    // Instants are compared as instants: 10:00+01:00 is the same filter as 09:00Z.
    const question = fingerprint([filters.agreementId ?? null, filters.status ?? null, fromMs ?? null, toMs ?? null]);
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      where.push(clause);
      params.push(value);
    };
    if (filters.agreementId) add('agreement_id = ?', filters.agreementId);
    if (filters.status) add('status = ?', filters.status);
    if (fromMs !== undefined) add('scheduled_ms >= ?', fromMs);
    if (toMs !== undefined) add('scheduled_ms < ?', toMs);
    if (filters.cursor) {
      const [ms, id] = sessionsCursor(filters.cursor, question);
      where.push('(scheduled_ms > ? OR (scheduled_ms = ? AND id > ?))');
      params.push(ms, ms, id);
    }
    const limit = filters.limit ?? 50;
    const rows = await this.readModels.db.query<SessionRow>(
      `SELECT id, scheduled_ms, state, journal, revision, position FROM "${t.sessions}"
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY scheduled_ms, id LIMIT ?`,
      [...params, limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const nextCursor =
      rows.length > limit && last ? encodeCursor('sessions', question, Number(last.scheduled_ms), last.id) : null;
    return { items: page.map(toView), nextCursor };
  }
}
