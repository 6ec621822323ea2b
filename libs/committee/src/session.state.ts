import type { AgendaItemKind, Position } from './agenda-item.rules';

export type SessionStatus = 'scheduled' | 'open' | 'closed';
export const sessionStatuses: readonly SessionStatus[] = ['scheduled', 'open', 'closed'];

/** open: being discussed; decided: every party took the same position; deferred: the session closed first. */
export type AgendaItemStatus = 'open' | 'decided' | 'deferred';

export interface PartyPosition {
  readonly position: Position;
  readonly note: string | null;
}

export interface AgendaItem {
  readonly itemId: string;
  readonly commitmentId: string;
  readonly kind: AgendaItemKind;
  /** ISO date; set on extension items only. */
  readonly proposedDueDate: string | null;
  /** The latest position of each party that recorded one, by party code. */
  readonly positions: Readonly<Record<string, PartyPosition>>;
  readonly status: AgendaItemStatus;
  /** The agreed position, once decided. */
  readonly outcome: Position | null;
}

/** One of a closed session's documents: the minutes (number 0) or an addendum to them (1, 2, …). */
export interface SessionDocument {
  readonly number: number;
  /** An addendum's text; null for the minutes, whose content is drawn from the session's events. */
  readonly text: string | null;
  /** The content hash each party approved, by party code. */
  readonly approvals: Readonly<Record<string, string>>;
  /** The content hash every party approved, once they all have. */
  readonly adopted: string | null;
}

export interface NoSession {
  readonly status: 'none';
}

export interface ExistingSession {
  readonly status: SessionStatus;
  readonly sessionId: string;
  readonly agreementId: string;
  /** ISO UTC instant. */
  readonly scheduledFor: string;
  readonly venue: string;
  /** The agreement's party codes when the session was scheduled: all of them must agree. */
  readonly parties: readonly string[];
  /** The parties present, from the opening; empty before. */
  readonly attendance: readonly string[];
  /** In the order they were added. */
  readonly items: readonly AgendaItem[];
  /** From the closing: the minutes, then each addendum. */
  readonly documents: readonly SessionDocument[];
  /** The files attached to the session, in order. */
  readonly attachments: readonly SessionAttachment[];
}

/** A file attached to a session: its bytes are in the evidence store under `sha256`. */
export interface SessionAttachment {
  readonly title: string;
  readonly sha256: string;
  readonly size: number;
  readonly mediaType: string;
}

export type Session = NoSession | ExistingSession;

export const initialSessionState: Session = { status: 'none' };

/** The undecided, undeferred item about this commitment, if the session has one. */
export function openItemFor(session: Session, commitmentId: string): AgendaItem | null {
  if (session.status === 'none') return null;
  return session.items.find((item) => item.commitmentId === commitmentId && item.status === 'open') ?? null;
}

export function itemOf(session: Session, itemId: string): AgendaItem | null {
  if (session.status === 'none') return null;
  return session.items.find((item) => item.itemId === itemId) ?? null;
}

/** Decisions need every party of the agreement present. */
export function hasFullAttendance(session: Session): boolean {
  return session.status !== 'none' && session.parties.every((party) => session.attendance.includes(party));
}
