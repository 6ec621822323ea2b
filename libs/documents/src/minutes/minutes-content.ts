import { createHash } from 'node:crypto';
import type { AgendaItemKind, PartyNote, Position } from '@accord/committee';
import { canonicalJson, type RecordedEvent } from '@accord/event-store';

/**
 * What the minutes of a session state, drawn from the events alone: the session's stream, the
 * agreement's, and the streams of the commitments on its agenda, each read up to the session's
 * closing (a commitment renamed later keeps, in these minutes, the title it had at the session).
 * Its canonical JSON (RFC 8785) is what the delegations approve by hash; the HTML and the PDF
 * are drawn from it, and the PDF carries the hash, so a printed copy can be checked against the log.
 */
export interface MinutesContent {
  readonly kind: 'accord-minutes';
  readonly version: 1;
  readonly sessionId: string;
  /** Minutes of a session that is not closed are a draft: they cannot be approved. */
  readonly status: 'scheduled' | 'open' | 'closed';
  readonly agreement: MinutesAgreement;
  /** ISO instant. */
  readonly scheduledFor: string;
  readonly venue: string;
  /** Party codes, in the agreement's order. */
  readonly present: readonly string[];
  readonly absent: readonly string[];
  /** When the store recorded the opening and the closing; null before. */
  readonly openedAt: string | null;
  readonly closedAt: string | null;
  /** In the order the items were added; numbered from 1. */
  readonly agenda: readonly MinutesItem[];
  /** Every position (changes included), decision and deferral, in the order they were recorded. */
  readonly proceedings: readonly Proceeding[];
  /** The files attached to the session before it closed, named by SHA-256 (their bytes are evidence). */
  readonly documents: readonly {
    readonly title: string;
    readonly sha256: string;
    readonly size: number;
    readonly mediaType: string;
  }[];
}

export interface MinutesAgreement {
  readonly agreementId: string;
  readonly title: string;
  readonly signedAt: string;
  readonly signedIn: string;
  readonly parties: readonly { readonly code: string; readonly name: string }[];
}

export interface MinutesItem {
  readonly number: number;
  readonly itemId: string;
  readonly commitmentId: string;
  readonly title: string;
  readonly domain: string;
  readonly kind: AgendaItemKind;
  readonly proposedDueDate: string | null;
}

export type Proceeding =
  | {
      readonly type: 'position';
      readonly at: string;
      readonly item: number;
      readonly party: string;
      readonly position: Position;
      readonly note: string | null;
      /** The party's earlier position on the item, when this one changes it. */
      readonly replaces: Position | null;
    }
  | {
      readonly type: 'decision';
      readonly at: string;
      readonly item: number;
      readonly outcome: Position;
      readonly proposedDueDate: string | null;
      readonly notes: readonly PartyNote[];
    }
  | { readonly type: 'deferral'; readonly at: string; readonly item: number };

/** A correction of adopted minutes: a document of its own, with its own hash and adoption. */
export interface AddendumContent {
  readonly kind: 'accord-minutes-addendum';
  readonly version: 1;
  readonly sessionId: string;
  readonly document: number;
  /** The content hash of the adopted minutes it corrects. */
  readonly corrects: string;
  readonly text: string;
  readonly recordedAt: string;
  readonly agreement: { readonly agreementId: string; readonly title: string };
  readonly scheduledFor: string;
  readonly venue: string;
}

export interface MinutesSources {
  /** The session's stream, in revision order. */
  readonly session: readonly RecordedEvent[];
  /** The agreement's stream. */
  readonly agreement: readonly RecordedEvent[];
  /** The streams of the commitments on the agenda, by commitment id. */
  readonly commitments: ReadonlyMap<string, readonly RecordedEvent[]>;
}

export class MinutesSourceError extends Error {
  override readonly name = 'MinutesSourceError';
}

/** SHA-256 (hex) of the canonical JSON of a document's content: what delegations approve. */
export function contentHashOf(content: MinutesContent | AddendumContent): string {
  return createHash('sha256').update(canonicalJson(content)!, 'utf8').digest('hex');
}

type Data = Record<string, unknown>;
const data = (event: RecordedEvent): Data => event.data as Data;

export function minutesContent(sources: MinutesSources): MinutesContent {
  const { session } = sources;
  const scheduled = session.find((e) => e.type === 'SessionScheduled');
  if (scheduled === undefined) throw new MinutesSourceError('The session was never scheduled');
  const closing = session.find((e) => e.type === 'SessionClosed');
  // Everything the minutes say is as of the closing; a draft says what stands now.
  const cutoff = closing?.position ?? Number.POSITIVE_INFINITY;
  const s = data(scheduled);
  const parties = s.parties as string[];
  const agenda: MinutesItem[] = [];
  const numberOf = new Map<string, number>();
  const proceedings: Proceeding[] = [];
  const held = new Map<string, Position>();
  let present: string[] = [];
  let openedAt: string | null = null;
  const documents: { title: string; sha256: string; size: number; mediaType: string }[] = [];
  for (const event of session) {
    if (event.position > cutoff) break;
    const d = data(event);
    switch (event.type) {
      case 'AgendaItemAdded': {
        const commitmentId = d.commitmentId as string;
        const number = agenda.length + 1;
        numberOf.set(d.itemId as string, number);
        const { title, domain } = commitmentAt(sources.commitments.get(commitmentId) ?? [], commitmentId, cutoff);
        agenda.push({
          number,
          itemId: d.itemId as string,
          commitmentId,
          title,
          domain,
          kind: d.kind as AgendaItemKind,
          proposedDueDate: (d.proposedDueDate as string | null) ?? null,
        });
        break;
      }
      case 'SessionOpened':
        present = [...(d.attendance as string[])];
        openedAt = event.recordedAt;
        break;
      case 'PositionRecorded': {
        const key = `${d.itemId as string}\u0000${d.party as string}`;
        proceedings.push({
          type: 'position',
          at: event.recordedAt,
          item: itemNumber(numberOf, d.itemId),
          party: d.party as string,
          position: d.position as Position,
          note: (d.note as string | null) ?? null,
          replaces: held.get(key) ?? null,
        });
        held.set(key, d.position as Position);
        break;
      }
      case 'DecisionReached':
        proceedings.push({
          type: 'decision',
          at: event.recordedAt,
          item: itemNumber(numberOf, d.itemId),
          outcome: d.outcome as Position,
          proposedDueDate: (d.proposedDueDate as string | null) ?? null,
          notes: (d.notes as PartyNote[]).map(({ party, note }) => ({ party, note })),
        });
        break;
      case 'ItemDeferred':
        proceedings.push({ type: 'deferral', at: event.recordedAt, item: itemNumber(numberOf, d.itemId) });
        break;
      case 'SessionDocumentAttached':
        documents.push({
          title: d.title as string,
          sha256: d.sha256 as string,
          size: d.size as number,
          mediaType: d.mediaType as string,
        });
        break;
      default:
        // SessionScheduled is read above; SessionClosed below; the minutes' own approvals and
        // addenda are about the minutes, not in them.
        break;
    }
  }
  const status = closing ? 'closed' : openedAt !== null ? 'open' : 'scheduled';
  return {
    kind: 'accord-minutes',
    version: 1,
    sessionId: s.sessionId as string,
    status,
    agreement: agreementAt(sources.agreement, s.agreementId as string, cutoff),
    scheduledFor: s.scheduledFor as string,
    venue: s.venue as string,
    present,
    absent: openedAt === null ? [] : parties.filter((party) => !present.includes(party)),
    openedAt,
    closedAt: closing?.recordedAt ?? null,
    agenda,
    proceedings,
    documents,
  };
}

/** Addendum n of the session, from its MinutesAddendumRecorded event. */
export function addendumContent(
  sources: Pick<MinutesSources, 'session' | 'agreement'>,
  document: number,
): AddendumContent {
  const recorded = sources.session.find((e) => e.type === 'MinutesAddendumRecorded' && data(e).document === document);
  const scheduled = sources.session.find((e) => e.type === 'SessionScheduled');
  if (recorded === undefined || scheduled === undefined) {
    throw new MinutesSourceError(`The session has no addendum ${document}`);
  }
  const d = data(recorded);
  const s = data(scheduled);
  const agreement = agreementAt(sources.agreement, s.agreementId as string, recorded.position);
  return {
    kind: 'accord-minutes-addendum',
    version: 1,
    sessionId: s.sessionId as string,
    document,
    corrects: d.corrects as string,
    text: d.text as string,
    recordedAt: recorded.recordedAt,
    agreement: { agreementId: agreement.agreementId, title: agreement.title },
    scheduledFor: s.scheduledFor as string,
    venue: s.venue as string,
  };
}

/** The numbers of the session's addenda, in order. */
export function addendumNumbers(session: readonly RecordedEvent[]): number[] {
  return session.filter((e) => e.type === 'MinutesAddendumRecorded').map((e) => data(e).document as number);
}

function itemNumber(numbers: ReadonlyMap<string, number>, itemId: unknown): number {
  const number = numbers.get(itemId as string);
  if (number === undefined) throw new MinutesSourceError(`The session has no agenda item ${String(itemId)}`);
  return number;
}

function agreementAt(events: readonly RecordedEvent[], agreementId: string, cutoff: number): MinutesAgreement {
  const registered = events.find((e) => e.type === 'AgreementRegistered' && e.position <= cutoff);
  if (registered === undefined) throw new MinutesSourceError(`Agreement ${agreementId} was never registered`);
  const d = data(registered);
  return {
    agreementId,
    title: d.title as string,
    signedAt: d.signedAt as string,
    signedIn: d.signedIn as string,
    parties: (d.parties as { code: string; name: string }[]).map(({ code, name }) => ({ code, name })),
  };
}

function commitmentAt(
  events: readonly RecordedEvent[],
  commitmentId: string,
  cutoff: number,
): { title: string; domain: string } {
  let title: string | null = null;
  let domain = '';
  for (const event of events) {
    if (event.position > cutoff) break;
    const d = data(event);
    if (event.type === 'CommitmentProposed') {
      title = d.title as string;
      domain = d.domain as string;
    } else if (event.type === 'CommitmentRevised') {
      const changes = d.changes as { title?: string; domain?: string };
      title = changes.title ?? title;
      domain = changes.domain ?? domain;
    }
  }
  if (title === null) throw new MinutesSourceError(`Commitment ${commitmentId} was never proposed`);
  return { title, domain };
}
