import type { DomainEvent } from '@accord/commitments';
import type { AgendaItemKind, Position } from './agenda-item.rules';

interface OfSession {
  readonly sessionId: string;
}

export interface PartyNote {
  readonly party: string;
  readonly note: string;
}

export type SessionScheduled = DomainEvent<
  'SessionScheduled',
  OfSession & {
    readonly agreementId: string;
    readonly scheduledFor: string;
    readonly venue: string;
    /** Party codes, in the agreement's order. */
    readonly parties: readonly string[];
  }
>;
export type AgendaItemAdded = DomainEvent<
  'AgendaItemAdded',
  OfSession & {
    readonly itemId: string;
    readonly commitmentId: string;
    readonly kind: AgendaItemKind;
    readonly proposedDueDate: string | null;
  }
>;
export type SessionOpened = DomainEvent<'SessionOpened', OfSession & { readonly attendance: readonly string[] }>;
/** Replaces the party's earlier position on the item, if any. */
export type PositionRecorded = DomainEvent<
  'PositionRecorded',
  OfSession & {
    readonly itemId: string;
    readonly party: string;
    readonly position: Position;
    readonly note: string | null;
  }
>;
/** Emitted with the PositionRecorded that completed the consensus. */
export type DecisionReached = DomainEvent<
  'DecisionReached',
  OfSession & {
    /** `<sessionId>:<itemId>`: unique across sessions, and the same on every replay. */
    readonly decisionId: string;
    readonly itemId: string;
    readonly commitmentId: string;
    readonly kind: AgendaItemKind;
    /** The position every party took. */
    readonly outcome: Position;
    readonly proposedDueDate: string | null;
    /** The parties' notes on their final positions, in the agreement's party order; blank notes left out. */
    readonly notes: readonly PartyNote[];
  }
>;
/** Emitted on closing, before SessionClosed, for each item still open. */
export type ItemDeferred = DomainEvent<
  'ItemDeferred',
  OfSession & { readonly itemId: string; readonly commitmentId: string; readonly kind: AgendaItemKind }
>;
export type SessionClosed = DomainEvent<
  'SessionClosed',
  OfSession & { readonly decided: readonly string[]; readonly deferred: readonly string[] }
>;

/**
 * A delegation approved one of the session's documents: the minutes (document 0) or an addendum
 * (1, 2, …), named by the SHA-256 of the canonical JSON of what it states (@accord/documents).
 */
export type MinutesApproved = DomainEvent<
  'MinutesApproved',
  OfSession & { readonly document: number; readonly contentHash: string; readonly party: string }
>;
/** Emitted with the MinutesApproved of the last party: every party approved this content. */
export type MinutesAdopted = DomainEvent<
  'MinutesAdopted',
  OfSession & { readonly document: number; readonly contentHash: string; readonly parties: readonly string[] }
>;
/**
 * A correction of adopted minutes. The minutes stay as adopted (the log is append-only); the
 * addendum is a document of its own, approved and adopted separately.
 */
export type MinutesAddendumRecorded = DomainEvent<
  'MinutesAddendumRecorded',
  OfSession & {
    readonly document: number;
    readonly text: string;
    /** The content hash of the adopted minutes it corrects. */
    readonly corrects: string;
  }
>;

/** A document of the session (a presentation, a signed roll), named by the SHA-256 of its bytes. */
export type SessionDocumentAttached = DomainEvent<
  'SessionDocumentAttached',
  OfSession & {
    readonly title: string;
    readonly sha256: string;
    readonly size: number;
    readonly mediaType: string;
  }
>;

export type SessionEvent =
  | SessionScheduled
  | AgendaItemAdded
  | SessionOpened
  | PositionRecorded
  | DecisionReached
  | ItemDeferred
  | SessionClosed
  | MinutesApproved
  | MinutesAdopted
  | MinutesAddendumRecorded
  | SessionDocumentAttached;

export type SessionEventType = SessionEvent['type'];

const types: Record<SessionEventType, true> = {
  SessionScheduled: true,
  AgendaItemAdded: true,
  SessionOpened: true,
  PositionRecorded: true,
  DecisionReached: true,
  ItemDeferred: true,
  SessionClosed: true,
  MinutesApproved: true,
  MinutesAdopted: true,
  MinutesAddendumRecorded: true,
  SessionDocumentAttached: true,
};
export const sessionEventTypes = Object.keys(types) as SessionEventType[];

/** Narrows a recorded event (whose `type` is a plain string) to a session event. */
export function isSessionEvent(event: { readonly type: string }): event is SessionEvent {
  return Object.prototype.hasOwnProperty.call(types, event.type);
}

/** The id of the decision on an item: derived, so that a replay or a retry gives the same one. */
export function decisionIdOf(sessionId: string, itemId: string): string {
  return `${sessionId}:${itemId}`;
}
