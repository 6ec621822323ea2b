import { commitmentStreamId } from '@accord/commitments';
import {
  evolveSession,
  initialSessionState,
  sessionStreamId,
  type ExistingSession,
  type Session,
  type SessionEvent,
} from '@accord/committee';
import { recordedAs, type EventStore } from '@accord/event-store';
import {
  commitmentPutOnAgenda,
  emptySessionJournal,
  evolveSessionJournal,
  titleSetBy,
  toSessionView,
  type SessionJournal,
  type SessionView,
} from '@accord/read-models';
import { readStreamPages } from '@accord/audit';
import { inSlices, SLICE_PAGE } from './slices';
import { streamAt, type Cutoff } from './stream-at';

interface Folded {
  readonly session: Session;
  readonly journal: SessionJournal;
}

export interface SessionStateView extends SessionView {
  /** The last revision folded: the state is the one the session had right after it. */
  asOfRevision: number;
}

/** A commitment's title as its stream set it before a global position (what the sessions read model had then). */
async function titleBefore(store: EventStore, commitmentId: string, position: number): Promise<string | null> {
  let title: string | null = null;
  for await (const page of inSlices(
    readStreamPages(store, commitmentStreamId(commitmentId), { pageSize: SLICE_PAGE }),
  )) {
    for (const event of page) {
      if (event.position >= position) return title;
      title = titleSetBy(event) ?? title;
    }
  }
  return title;
}

/**
 * A session as it stood at a revision or an instant: its stream folded with the decider's own
 * evolve and the sessions read model's journal (sessions.projection.ts), so that it is what
 * `GET /sessions/{id}` answered right after that revision.
 */
export async function sessionAt(store: EventStore, id: string, cutoff: Cutoff): Promise<SessionStateView> {
  const { state, last } = await streamAt<Folded, Folded & { session: ExistingSession }>(
    store,
    sessionStreamId(id),
    cutoff,
    {
      initial: { session: initialSessionState, journal: emptySessionJournal },
      async evolve({ session, journal }, event) {
        const commitmentId = commitmentPutOnAgenda(event);
        const title = commitmentId ? await titleBefore(store, commitmentId, event.position) : null;
        return {
          session: evolveSession(session, recordedAs<SessionEvent>(event)),
          journal: evolveSessionJournal(journal, event, title),
        };
      },
      exists: (folded): folded is Folded & { session: ExistingSession } => folded.session.status !== 'none',
    },
    `session ${id}`,
  );
  return { ...toSessionView(state.session, state.journal, last.revision, last.position), asOfRevision: last.revision };
}
