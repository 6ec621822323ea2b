import type { RegisteredAgreement } from '@accord/commitments';
import { toAgreementView, type AgreementView } from '@accord/read-models';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ProblemException } from '../http/problem';
import { badCursor, decodeCursor, encodeCursor } from '../commitments/page-cursor';
import { ReadModels } from '../workers/read-models';
import type { ListAgreementsQueryDto } from './agreement-query.dto';

interface AgreementRow {
  id: string;
  state: string;
  revision: number | string;
  position: number | string;
}

const toView = (row: AgreementRow): AgreementView =>
  toAgreementView(JSON.parse(row.state) as RegisteredAgreement, Number(row.revision), Number(row.position));

const agreementNotFound = (id: string) => new ProblemException(404, 'NOT_FOUND', `agreement ${id} does not exist`);

export class GetAgreementQuery extends Query<AgreementView> {
  constructor(
    readonly id: string,
    readonly after?: number,
  ) {
    super();
  }
}

export class ListAgreementsQuery extends Query<{ items: AgreementView[]; nextCursor: string | null }> {
  constructor(readonly filters: ListAgreementsQueryDto) {
    super();
  }
}

/** An agreement from the agreements read model; 404 when it was never registered. */
export async function readAgreement(readModels: ReadModels, id: string, after?: number): Promise<AgreementView> {
  const t = await readModels.tables('agreements', after);
  const [row] = await readModels.db.query<AgreementRow>(
    `SELECT id, state, revision, position FROM "${t.agreements}" WHERE id = ?`,
    [id],
  );
  if (!row) throw agreementNotFound(id);
  return toView(row);
}

@QueryHandler(GetAgreementQuery)
export class GetAgreementHandler implements IQueryHandler<GetAgreementQuery> {
  constructor(private readonly readModels: ReadModels) {}

  execute({ id, after }: GetAgreementQuery): Promise<AgreementView> {
    return readAgreement(this.readModels, id, after);
  }
}

/** Every agreement, in id order (a stable order across pages; ids are random, so no chronology). */
@QueryHandler(ListAgreementsQuery)
export class ListAgreementsHandler implements IQueryHandler<ListAgreementsQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ filters }: ListAgreementsQuery) {
    const t = await this.readModels.tables('agreements', filters.after);
    const params: unknown[] = [];
    let where = '';
    if (filters.cursor) {
      const [id] = decodeCursor(filters.cursor, 'agreements');
      if (typeof id !== 'string') badCursor('must be the nextCursor of a previous page of this list');
      where = 'WHERE id > ?';
      params.push(id);
    }
    const limit = filters.limit ?? 50;
    const rows = await this.readModels.db.query<AgreementRow>(
      `SELECT id, state, revision, position FROM "${t.agreements}" ${where} ORDER BY id LIMIT ?`,
      [...params, limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const nextCursor = rows.length > limit && last ? encodeCursor('agreements', last.id) : null;
    return { items: page.map(toView), nextCursor };
  }
}
