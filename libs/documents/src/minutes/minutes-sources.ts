import { agreementStreamId, commitmentStreamId } from '@accord/commitments';
import { sessionStreamId } from '@accord/committee';
import type { EventStore, RecordedEvent } from '@accord/event-store';
import {
  addendumContent,
  addendumNumbers,
  contentHashOf,
  minutesContent,
  type MinutesSources,
} from './minutes-content';

/** The streams the minutes of a session are drawn from; null when the session was never scheduled. */
export async function readMinutesSources(store: EventStore, sessionId: string): Promise<MinutesSources | null> {
  const session = await store.readStream(sessionStreamId(sessionId));
  const scheduled = session.find((e) => e.type === 'SessionScheduled');
  if (scheduled === undefined) return null;
  const { agreementId } = scheduled.data as { agreementId: string };
  const commitmentIds = [
    ...new Set(
      session.filter((e) => e.type === 'AgendaItemAdded').map((e) => (e.data as { commitmentId: string }).commitmentId),
    ),
  ];
  const [agreement, ...streams] = await Promise.all([
    store.readStream(agreementStreamId(agreementId)),
    ...commitmentIds.map((id) => store.readStream(commitmentStreamId(id))),
  ]);
  const commitments = new Map<string, readonly RecordedEvent[]>(commitmentIds.map((id, i) => [id, streams[i]]));
  return { session, agreement, commitments };
}

/** The content hashes of a session's documents as they stand: the minutes, then each addendum. */
export function documentHashes(sources: MinutesSources): { minutes: string; addenda: string[] } {
  return {
    minutes: contentHashOf(minutesContent(sources)),
    addenda: addendumNumbers(sources.session).map((n) => contentHashOf(addendumContent(sources, n))),
  };
}

/** Where each of a session's documents stands: approvals by party and adoption, from its stream. */
export interface DocumentStanding {
  readonly document: number;
  readonly approvals: readonly { readonly party: string; readonly contentHash: string; readonly at: string }[];
  readonly adoptedAt: string | null;
  readonly adoptedHash: string | null;
}

export function documentStandings(session: readonly RecordedEvent[]): DocumentStanding[] {
  const standings = new Map<
    number,
    { approvals: DocumentStanding['approvals'][number][]; adoptedAt: string | null; adoptedHash: string | null }
  >();
  const of = (n: number) => {
    let s = standings.get(n);
    if (s === undefined) standings.set(n, (s = { approvals: [], adoptedAt: null, adoptedHash: null }));
    return s;
  };
  for (const event of session) {
    const d = event.data as { document: number; party: string; contentHash: string };
    if (event.type === 'SessionClosed') of(0);
    else if (event.type === 'MinutesAddendumRecorded') of(d.document);
    else if (event.type === 'MinutesApproved')
      of(d.document).approvals.push({ party: d.party, contentHash: d.contentHash, at: event.recordedAt });
    else if (event.type === 'MinutesAdopted')
      Object.assign(of(d.document), { adoptedAt: event.recordedAt, adoptedHash: d.contentHash });
  }
  return [...standings.entries()].sort(([a], [b]) => a - b).map(([document, s]) => ({ document, ...s }));
}
