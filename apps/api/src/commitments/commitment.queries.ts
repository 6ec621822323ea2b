import type { HistoryEntry } from '@accord/read-models';
import { toCommitmentView, type CommitmentRow, type CommitmentView } from '@accord/read-models';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ProblemException } from '../http/problem';
import type { ListCommitmentsQueryDto } from './commitment-query.dto';
import { ReadModels } from '../workers/read-models';
import { badCursor, decodeCursor, decodeRevisionCursor, encodeCursor, fingerprint } from './page-cursor';

export class ListCommitmentsQuery extends Query<{ items: CommitmentView[]; nextCursor: string | null }> {
  constructor(readonly filters: ListCommitmentsQueryDto) {
    super();
  }
}

export class GetCommitmentQuery extends Query<CommitmentView> {
  constructor(
    readonly id: string,
    readonly after?: number,
  ) {
    super();
  }
}

export class GetCommitmentHistoryQuery extends Query<{ items: HistoryEntry[]; nextCursor: string | null }> {
  constructor(
    readonly id: string,
    readonly page: { readonly after?: number; readonly limit?: number; readonly cursor?: string } = {},
  ) {
    super();
  }
}

const SORT_COLUMNS: Record<string, string> = {
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  title: 'title',
  // Commitments without a due date sort last.
  dueDate: "COALESCE(due_date, '9999-12-31')",
};

const notFound = (id: string) => new ProblemException(404, 'NOT_FOUND', `commitment ${id} does not exist`);

/**
 * What a list page was asked: its filters and sort, the default sort spelled out. A page's
 * cursor carries its digest, and is refused with any other (limit and after may change).
 */
const questionOf = (f: ListCommitmentsQueryDto): string =>
  fingerprint([
    f.agreementId ?? null,
    f.status ?? null,
    f.domain ?? null,
    f.party ?? null,
    f.overdue ?? null,
    f.dueBefore ?? null,
    f.dueAfter ?? null,
    f.sort ?? 'createdAt',
  ]);

/** The sort key and id a list cursor resumes after, once it is known to be for this question. */
function listCursor(cursor: string, question: string): [string | number, string] {
  const [asked, value, id] = decodeCursor(cursor, 'commitments');
  if (typeof asked !== 'string' || typeof id !== 'string' || (typeof value !== 'string' && typeof value !== 'number')) {
    badCursor('must be the nextCursor of a previous page of this list');
  }
  if (asked !== question) {
    badCursor(
      'was issued for other filters or sort: send it with the filters and sort of the request that gave it',
      'cursor',
      'cursor was issued for another question',
    );
  }
  return [value, id];
}

@QueryHandler(ListCommitmentsQuery)
export class ListCommitmentsHandler implements IQueryHandler<ListCommitmentsQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ filters }: ListCommitmentsQuery) {
    const t = await this.readModels.tables('commitments', filters.after);
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      where.push(clause);
      params.push(value);
    };
    if (filters.agreementId) add('agreement_id = ?', filters.agreementId);
    if (filters.status) add('status = ?', filters.status);
    if (filters.domain) add('domain = ?', filters.domain);
    if (filters.party) add('proposing_party = ?', filters.party);
    if (filters.overdue !== undefined) add('overdue = ?', filters.overdue ? 1 : 0);
    if (filters.dueBefore) add('due_date < ?', filters.dueBefore);
    if (filters.dueAfter) add('due_date > ?', filters.dueAfter);
    const sort = filters.sort ?? 'createdAt';
    const descending = sort.startsWith('-');
    const key = SORT_COLUMNS[sort.replace(/^-/, '')];
    const question = questionOf(filters);
    if (filters.cursor) {
      const [value, id] = listCursor(filters.cursor, question);
      where.push(`(${key}, id) ${descending ? '<' : '>'} (?, ?)`);
      params.push(value, id);
    }
    const limit = filters.limit ?? 50;
    const direction = descending ? 'DESC' : 'ASC';
    const rows = await this.readModels.db.query<CommitmentRow & { sort_key: string }>(
      `SELECT *, ${key} AS sort_key FROM "${t.commitments}" ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${key} ${direction}, id ${direction} LIMIT ?`,
      [...params, limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const nextCursor =
      rows.length > limit && last ? encodeCursor('commitments', question, last.sort_key, last.id) : null;
    return { items: page.map(toCommitmentView), nextCursor };
  }
}

@QueryHandler(GetCommitmentQuery)
export class GetCommitmentHandler implements IQueryHandler<GetCommitmentQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ id, after }: GetCommitmentQuery) {
    const t = await this.readModels.tables('commitments', after);
    const [row] = await this.readModels.db.query<CommitmentRow>(`SELECT * FROM "${t.commitments}" WHERE id = ?`, [id]);
    if (!row) throw notFound(id);
    return toCommitmentView(row);
  }
}

@QueryHandler(GetCommitmentHistoryQuery)
export class GetCommitmentHistoryHandler implements IQueryHandler<GetCommitmentHistoryQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ id, page }: GetCommitmentHistoryQuery) {
    const t = await this.readModels.tables('commitment-history', page.after);
    const from = page.cursor === undefined ? -1 : decodeRevisionCursor(page.cursor, 'history', id);
    const limit = page.limit ?? 100;
    const rows = await this.readModels.db.query<{
      revision: number;
      position: number;
      type: string;
      actor: string | null;
      occurred_at: string;
      summary: string;
      changes: string;
    }>(`SELECT * FROM "${t.commitment_history}" WHERE commitment_id = ? AND revision > ? ORDER BY revision LIMIT ?`, [
      id,
      from,
      limit + 1,
    ]);
    if (rows.length === 0) {
      const [known] = await this.readModels.db.query(
        `SELECT 1 AS known FROM "${t.commitment_history}" WHERE commitment_id = ? LIMIT 1`,
        [id],
      );
      if (!known) throw notFound(id);
    }
    const items = rows.slice(0, limit).map((r): HistoryEntry => ({
      revision: Number(r.revision),
      position: Number(r.position),
      type: r.type,
      actor: r.actor ? JSON.parse(r.actor) : null,
      occurredAt: r.occurred_at,
      summary: r.summary,
      changes: JSON.parse(r.changes),
    }));
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeCursor('history', id, last.revision) : null };
  }
}
