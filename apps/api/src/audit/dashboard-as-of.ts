import { eventInstant, readLogPages } from '@accord/audit';
import {
  agreementStreamId,
  commitmentIdOf,
  evolveAgreement,
  evolveCommitment,
  initialAgreementState,
  initialCommitmentState,
  type Agreement,
  type AgreementEvent,
  type Commitment,
  type CommitmentEvent,
} from '@accord/commitments';
import {
  evolveSession,
  initialSessionState,
  sessionIdOf,
  type ExistingSession,
  type Session,
  type SessionEvent,
} from '@accord/committee';
import { recordedAs, type EventStore } from '@accord/event-store';
import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { EVENT_STORE } from '../infrastructure/event-store.module';
import { ProblemException } from '../http/problem';
import { awaitingPositionsIn, type Dashboard } from '../agreements/dashboard.queries';
import { inSlices, SLICE_PAGE } from './slices';

export interface DashboardAsOf extends Dashboard {
  /** The instant asked for; `position` is the last event replayed. */
  asOf: string;
}

export class GetDashboardAsOfQuery extends Query<DashboardAsOf> {
  constructor(
    readonly agreementId: string,
    readonly asOf: string,
    readonly asOfMs: number,
  ) {
    super();
  }
}

/**
 * The dashboard as it stood at an instant, replayed from the log (not from the read
 * models, which hold only the present): the agreement's, its commitments' and its
 * sessions' streams folded with the deciders' evolve, up to the first event of the log
 * that occurred after the instant. Then the same counts, overdue list and awaited
 * positions as GetDashboardHandler's queries, in the same order. The replay goes in
 * slices (slices.ts): other requests are answered while it runs.
 */
@QueryHandler(GetDashboardAsOfQuery)
export class GetDashboardAsOfHandler implements IQueryHandler<GetDashboardAsOfQuery> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ agreementId, asOf, asOfMs }: GetDashboardAsOfQuery): Promise<DashboardAsOf> {
    let agreement: Agreement = initialAgreementState;
    const commitments = new Map<string, Commitment>();
    const sessions = new Map<string, Session>();
    // Streams of other agreements, known from their first event; their later events are skipped.
    const others = new Set<string>();
    let position = 0;
    replay: for await (const page of inSlices(readLogPages(this.store, { pageSize: SLICE_PAGE }))) {
      for (const event of page) {
        if (eventInstant(event) > asOfMs) break replay;
        position = event.position;
        const { streamId } = event;
        if (others.has(streamId)) continue;
        if (streamId === agreementStreamId(agreementId)) {
          agreement = evolveAgreement(agreement, recordedAs<AgreementEvent>(event));
        } else if (commitmentIdOf(streamId) !== undefined) {
          const next = evolveCommitment(
            commitments.get(streamId) ?? initialCommitmentState,
            recordedAs<CommitmentEvent>(event),
          );
          if (next.status === 'none') continue;
          if (next.agreementId === agreementId) commitments.set(streamId, next);
          else others.add(streamId);
        } else if (sessionIdOf(streamId) !== undefined) {
          const next = evolveSession(sessions.get(streamId) ?? initialSessionState, recordedAs<SessionEvent>(event));
          if (next.status === 'none') continue;
          if (next.agreementId === agreementId) sessions.set(streamId, next);
          else others.add(streamId);
        }
      }
    }
    if (agreement.status === 'none') {
      throw new ProblemException(404, 'NOT_FOUND', `agreement ${agreementId} did not exist at ${asOf}`);
    }

    const groups = new Map<string, Dashboard['counts'][number]>();
    const overdue: Dashboard['overdue'] = [];
    for (const c of commitments.values()) {
      if (c.status === 'none') continue;
      const key = JSON.stringify([c.status, c.domain, c.owner]);
      const group = groups.get(key);
      if (group) group.count++;
      else groups.set(key, { status: c.status, domain: c.domain, party: c.owner, count: 1 });
      if (c.overdueFor !== null) {
        overdue.push({
          id: c.commitmentId,
          title: c.title,
          domain: c.domain,
          party: c.owner,
          dueDate: c.dueDate,
          status: c.status,
        });
      }
    }
    const counts = [...groups.values()].sort(
      (a, b) => byText(a.status, b.status) || byText(a.domain, b.domain) || byText(a.party, b.party),
    );
    overdue.sort((a, b) => byText(a.dueDate, b.dueDate) || byText(a.id, b.id));

    const open = [...sessions.values()]
      .filter((s): s is ExistingSession => s.status === 'open')
      .sort((a, b) => byText(a.scheduledFor, b.scheduledFor) || byText(a.sessionId, b.sessionId));
    const awaitingPositions = awaitingPositionsIn(open);
    return { agreementId, position, counts, overdue, awaitingPositions, asOf };
  }
}

/** SQLite's ORDER BY on text: UTF-8 bytes (code points), NULL first. */
function byText(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
