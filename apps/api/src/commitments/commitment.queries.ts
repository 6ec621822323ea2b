import type { HistoryEntry } from '@accord/read-models';
import { toCommitmentView, type CommitmentRow, type CommitmentView } from '@accord/read-models';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ProblemException } from '../http/problem';
import type { ListCommitmentsQueryDto } from './commitment-query.dto';
import { ReadModels } from '../workers/read-models';

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

export class GetCommitmentHistoryQuery extends Query<{ items: HistoryEntry[] }> {
  constructor(
    readonly id: string,
    readonly after?: number,
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

function decodeCursor(cursor: string): [string | number, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[1] === 'string') return value as [string, string];
  } catch {
    // fall through
  }
  throw new ProblemException(400, 'VALIDATION_FAILED', 'cursor is not one this API gave', {
    errors: [{ field: 'cursor', messages: ['must be the nextCursor of a previous page'] }],
  });
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
    if (filters.cursor) {
      const [value, id] = decodeCursor(filters.cursor);
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
      rows.length > limit && last ? Buffer.from(JSON.stringify([last.sort_key, last.id])).toString('base64url') : null;
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

  async execute({ id, after }: GetCommitmentHistoryQuery) {
    const t = await this.readModels.tables('commitment-history', after);
    const rows = await this.readModels.db.query<{
      revision: number;
      position: number;
      type: string;
      actor: string | null;
      occurred_at: string;
      summary: string;
      changes: string;
    }>(`SELECT * FROM "${t.commitment_history}" WHERE commitment_id = ? ORDER BY revision`, [id]);
    if (rows.length === 0) throw notFound(id);
    return {
      items: rows.map((r): HistoryEntry => ({
        revision: Number(r.revision),
        position: Number(r.position),
        type: r.type,
        actor: r.actor ? JSON.parse(r.actor) : null,
        occurredAt: r.occurred_at,
        summary: r.summary,
        changes: JSON.parse(r.changes),
      })),
    };
  }
}
