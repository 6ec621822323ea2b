import type { AgreementContext, Command } from '@accord/commitments';
import type { AgendaItemKind, Position } from './agenda-item.rules';
import type { CommitmentContext } from './commitment.context';

export interface SessionRef {
  readonly sessionId: string;
}

/** Sent by the secretariat (or an admin, or the system). */
export type ScheduleSession = Command<
  'ScheduleSession',
  SessionRef & {
    readonly agreementId: string;
    /** ISO UTC instant. */
    readonly scheduledFor: string;
    readonly venue: string;
    /** The agreement as the handler read it: its parties are the ones who must agree. */
    readonly agreement: AgreementContext;
  }
>;

/** While the session is scheduled or open. */
export type AddAgendaItem = Command<
  'AddAgendaItem',
  SessionRef & {
    /** Unique within the session. */
    readonly itemId: string;
    readonly commitmentId: string;
    readonly kind: AgendaItemKind;
    /** ISO date, later than the commitment's due date: required for an extension, refused otherwise. */
    readonly proposedDueDate?: string;
    /** The commitment as the handler read it. */
    readonly commitment: CommitmentContext;
  }
>;

export type OpenSession = Command<
  'OpenSession',
  SessionRef & {
    /** Codes of the parties present; a subset of the agreement's. Without all of them nothing is decided. */
    readonly attendance: readonly string[];
  }
>;

/** Sent by a delegate, for its own party (`actor.party`). */
export type RecordPosition = Command<
  'RecordPosition',
  SessionRef & {
    readonly itemId: string;
    /** One of `positionOptions[kind]`. */
    readonly position: Position;
    readonly note?: string;
    /** Defaults to the delegate's party; any other party is Forbidden. */
    readonly party?: string;
  }
>;

/** Every item still open is deferred. */
export type CloseSession = Command<'CloseSession', SessionRef>;

/** The content hashes of a closed session's documents as they stand, read by the handler. */
export interface SessionDocumentHashes {
  readonly minutes: string;
  /** Addendum n's hash at index n - 1. */
  readonly addenda: readonly string[];
}

/** Sent by a delegate, for its own party: approves the document whose content has this hash. */
export type ApproveMinutes = Command<
  'ApproveMinutes',
  SessionRef & {
    /** SHA-256 (hex) of the canonical JSON of the minutes or of an addendum, as GET …/minutes gives it. */
    readonly contentHash: string;
    readonly documents: SessionDocumentHashes;
  }
>;

/** Sent by the secretariat: a correction of the adopted minutes, to be adopted in its turn. */
export type RecordMinutesAddendum = Command<'RecordMinutesAddendum', SessionRef & { readonly text: string }>;

/** Sent by the secretariat: a file already stored as evidence (POST /evidence), attached to the session. */
export type AttachSessionDocument = Command<
  'AttachSessionDocument',
  SessionRef & {
    readonly title: string;
    readonly sha256: string;
    /** Read by the handler from the evidence store. */
    readonly size: number;
    readonly mediaType: string;
  }
>;

export type SessionCommand =
  | ScheduleSession
  | AddAgendaItem
  | OpenSession
  | RecordPosition
  | CloseSession
  | ApproveMinutes
  | RecordMinutesAddendum
  | AttachSessionDocument;

export type SessionCommandType = SessionCommand['type'];

const types: Record<SessionCommandType, true> = {
  ScheduleSession: true,
  AddAgendaItem: true,
  OpenSession: true,
  RecordPosition: true,
  CloseSession: true,
  ApproveMinutes: true,
  RecordMinutesAddendum: true,
  AttachSessionDocument: true,
};
export const sessionCommandTypes = Object.keys(types) as SessionCommandType[];
