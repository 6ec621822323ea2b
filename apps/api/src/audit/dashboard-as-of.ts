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
import { TimeTravel, type DashboardSources } from './time-travel';

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
 * The dashboard as it stood at an instant (not from the present's read models): the
 * agreement's, its commitments' and its sessions' streams as folded with the deciders'
 * evolve, up to the first event of the log that occurred after the instant. Then the same
 * counts, overdue list and awaited positions as GetDashboardHandler's queries, in the same
 * order. Answered from the time-travel read model, which keeps those states by position
 * (decision 0039); replayed from the log's first event when it cannot answer.
 */
@QueryHandler(GetDashboardAsOfQuery)
export class GetDashboardAsOfHandler implements IQueryHandler<GetDashboardAsOfQuery> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly timeTravel: TimeTravel,
  ) {}

  async execute({ agreementId, asOf, asOfMs }: GetDashboardAsOfQuery): Promise<DashboardAsOf> {
    const sources = await this.timeTravel.dashboardAt(agreementId, asOfMs);
    if (sources) return dashboardOf(agreementId, asOf, sources);
    return replayDashboardAsOf(this.store, agreementId, asOf, asOfMs);
  }
}

/**
 * The dashboard as of an instant, folded from the log's first event: what the time-travel
 * read model answers from its tables, and what is answered when it cannot (not caught up).
 * Tests hold the two answers equal.
 */
export async function replayDashboardAsOf(
  store: EventStore,
  agreementId: string,
  asOf: string,
  asOfMs: number,
): Promise<DashboardAsOf> {
  let agreement: Agreement = initialAgreementState;
  const commitments = new Map<string, Commitment>();
  const sessions = new Map<string, Session>();
  // Streams of other agreements, known from their first event; their later events are skipped.
  const others = new Set<string>();
  let position = 0;
  replay: for await (const page of inSlices(readLogPages(store, { pageSize: SLICE_PAGE }))) {
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
  const facts = [...commitments.values()].flatMap((c) =>
    c.status === 'none'
      ? []
      : [
          {
            id: c.commitmentId,
            status: c.status,
            domain: c.domain,
            party: c.owner,
            overdue: c.overdueFor !== null,
            title: c.title,
            dueDate: c.dueDate,
          },
        ],
  );
  const openSessions = [...sessions.values()].filter((s): s is ExistingSession => s.status === 'open');
  return dashboardOf(agreementId, asOf, {
    position,
    agreementExists: agreement.status !== 'none',
    commitments: facts,
    openSessions,
  });
}

/** The same counts, overdue list and awaited positions as GetDashboardHandler's queries, in the same order. */
function dashboardOf(agreementId: string, asOf: string, sources: DashboardSources): DashboardAsOf {
  if (!sources.agreementExists) {
    throw new ProblemException(404, 'NOT_FOUND', `agreement ${agreementId} did not exist at ${asOf}`);
  }
  const groups = new Map<string, Dashboard['counts'][number]>();
  const overdue: Dashboard['overdue'] = [];
  for (const c of sources.commitments) {
    const key = JSON.stringify([c.status, c.domain, c.party]);
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { status: c.status, domain: c.domain, party: c.party, count: 1 });
    if (c.overdue) {
      overdue.push({
        id: c.id,
        title: c.title,
        domain: c.domain,
        party: c.party,
        dueDate: c.dueDate,
        status: c.status,
      });
    }
  }
  const counts = [...groups.values()].sort(
    (a, b) => byText(a.status, b.status) || byText(a.domain, b.domain) || byText(a.party, b.party),
  );
  overdue.sort((a, b) => byText(a.dueDate, b.dueDate) || byText(a.id, b.id));
  const open = [...sources.openSessions].sort(
    (a, b) => byText(a.scheduledFor, b.scheduledFor) || byText(a.sessionId, b.sessionId),
  );
  const awaitingPositions = awaitingPositionsIn(open);
  return { agreementId, position: sources.position, counts, overdue, awaitingPositions, asOf };
}

/** SQLite's ORDER BY on text: UTF-8 bytes (code points), NULL first. */
function byText(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
