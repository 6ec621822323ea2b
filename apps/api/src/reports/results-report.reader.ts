import { agreementStreamId, commitmentStreamId } from '@accord/commitments';
import { sessionStreamId } from '@accord/committee';
import { ReportPeriodError, resultsReport, type ReportPeriod, type ResultsReport } from '@accord/documents';
import type { EventStore, RecordedEvent } from '@accord/event-store';
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../infrastructure/clock';
import { EVENT_STORE } from '../infrastructure/event-store.module';
import { ProblemException } from '../http/problem';
import { currentTables } from '../sessions/current-tables';
import { ReadModels } from '../workers/read-models';

/**
 * Reads what the results report is folded from: the agreement's stream, and the streams of
 * every commitment and session of the agreement, as the store holds them. Which streams those
 * are comes from the read models, once they have reached the log's head as it was when the
 * request came in; every stream is then cut at that head, so the report is of one prefix of
 * the log (its generatedFrom) and a write landing meanwhile is in none of its figures.
 */
@Injectable()
export class ResultsReportReader {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly readModels: ReadModels,
  ) {}

  async report(agreementId: string, period: ReportPeriod): Promise<ResultsReport> {
    const head = await this.head();
    const agreement = (await this.store.readStream(agreementStreamId(agreementId))).filter((e) => e.position <= head);
    if (agreement.length === 0) throw new ProblemException(404, 'NOT_FOUND', `agreement ${agreementId} does not exist`);
    const c = await currentTables(this.readModels, 'commitments', head);
    const s = await currentTables(this.readModels, 'sessions', head);
    const db = this.readModels.db;
    const commitmentIds = await db.query<{ id: string }>(
      `SELECT id FROM "${c.commitments}" WHERE agreement_id = ? ORDER BY id`,
      [agreementId],
    );
    const sessionIds = await db.query<{ id: string }>(
      `SELECT id FROM "${s.sessions}" WHERE agreement_id = ? ORDER BY id`,
      [agreementId],
    );
    const events: RecordedEvent[] = [...agreement];
    for (const streamId of [
      ...commitmentIds.map(({ id }) => commitmentStreamId(id)),
      ...sessionIds.map(({ id }) => sessionStreamId(id)),
    ]) {
      for (const event of await this.store.readStream(streamId)) if (event.position <= head) events.push(event);
    }
    try {
      return resultsReport({ agreementId, events, now: this.clock.now().toISOString() }, period);
    } catch (error) {
      if (error instanceof ReportPeriodError) {
        throw new ProblemException(400, 'VALIDATION_FAILED', error.message, {
          errors: [{ field: error.field, messages: [error.message] }],
        });
      }
      throw error;
    }
  }

  private async head(): Promise<number> {
    if (this.store.headPosition) return this.store.headPosition();
    let after = 0;
    for (;;) {
      const page = await this.store.readAll({ after, maxCount: 1000 });
      if (page.length === 0) return after;
      after = page[page.length - 1].position;
    }
  }
}
