import {
  assertNever,
  withArticle,
  ForbiddenError,
  IllegalTransitionError,
  isIsoDate,
  isIsoInstant,
  isNonBlank,
  isOptionalText,
  NotFoundError,
  requireAgreement,
  requirePartyActor,
  requireRole,
  requireStatus,
  requireUtcNow,
  RuleViolatedError,
  utcDateOf,
  type ActorRole,
  type Decider,
} from '@accord/commitments';
import { agendaItemKinds, fitsState, isPositionFor, positionOptions, type AgendaItemKind } from './agenda-item.rules';
import type {
  AddAgendaItem,
  ApproveMinutes,
  AttachSessionDocument,
  CloseSession,
  OpenSession,
  RecordMinutesAddendum,
  RecordPosition,
  ScheduleSession,
  SessionCommand,
} from './session.commands';
import { decisionIdOf, type PartyNote, type SessionEvent } from './session.events';
import {
  hasFullAttendance,
  initialSessionState,
  itemOf,
  openItemFor,
  type AgendaItem,
  type ExistingSession,
  type Session,
  type SessionDocument,
} from './session.state';

/** Roles that run sessions: the secretariat, and admins and the system on its behalf. */
export const SESSION_ROLES: readonly ActorRole[] = ['secretariat', 'admin', 'system'];
/** Only a party's delegation takes a position in the committee. */
export const POSITION_ROLES: readonly ActorRole[] = ['delegate'];

/**
 * Checks run in this order, as in the commitment decider: the session exists (NotFound), the
 * actor may send the command (Forbidden), the state allows it (IllegalTransition), the command's
 * content keeps the rules (RuleViolated).
 */
export const decideSession = (command: SessionCommand, state: Session): SessionEvent[] => {
  requireUtcNow(command.context);
  switch (command.type) {
    case 'ScheduleSession':
      return schedule(command, state);
    case 'AddAgendaItem':
      return addAgendaItem(command, existing(command, state));
    case 'OpenSession':
      return open(command, existing(command, state));
    case 'RecordPosition':
      return recordPosition(command, existing(command, state));
    case 'CloseSession':
      return close(command, existing(command, state));
    case 'ApproveMinutes':
      return approveMinutes(command, existing(command, state));
    case 'RecordMinutesAddendum':
      return recordAddendum(command, existing(command, state));
    case 'AttachSessionDocument':
      return attachDocument(command, existing(command, state));
    default:
      return assertNever(command);
  }
};

/** Events are facts: evolve applies them without judging; only a history that starts wrong is refused. */
export const evolveSession = (state: Session, event: SessionEvent): Session => {
  if (event.type === 'SessionScheduled') {
    if (state.status !== 'none') throw new Error(`Session ${event.data.sessionId} was already scheduled`);
    return { status: 'scheduled', ...event.data, attendance: [], items: [], documents: [], attachments: [] };
  }
  if (state.status === 'none') {
    throw new Error(`${event.type} cannot apply to session ${event.data.sessionId}, which was never scheduled`);
  }
  switch (event.type) {
    case 'AgendaItemAdded': {
      const { itemId, commitmentId, kind, proposedDueDate } = event.data;
      const item: AgendaItem = {
        itemId,
        commitmentId,
        kind,
        proposedDueDate,
        positions: {},
        status: 'open',
        outcome: null,
      };
      return { ...state, items: [...state.items, item] };
    }
    case 'SessionOpened':
      return { ...state, status: 'open', attendance: event.data.attendance };
    case 'PositionRecorded': {
      const { party, position, note } = event.data;
      return updateItem(state, event.data.itemId, (item) => ({
        ...item,
        positions: { ...item.positions, [party]: { position, note } },
      }));
    }
    case 'DecisionReached':
      return updateItem(state, event.data.itemId, (item) => ({
        ...item,
        status: 'decided',
        outcome: event.data.outcome,
      }));
    case 'ItemDeferred':
      return updateItem(state, event.data.itemId, (item) => ({ ...item, status: 'deferred' }));
    case 'SessionClosed':
      return { ...state, status: 'closed', documents: [{ number: 0, text: null, approvals: {}, adopted: null }] };
    case 'MinutesApproved': {
      const { party, contentHash } = event.data;
      return updateDocument(state, event.data.document, (document) => ({
        ...document,
        approvals: { ...document.approvals, [party]: contentHash },
      }));
    }
    case 'MinutesAdopted':
      return updateDocument(state, event.data.document, (document) => ({
        ...document,
        adopted: event.data.contentHash,
      }));
    case 'MinutesAddendumRecorded': {
      const { document: number, text } = event.data;
      return { ...state, documents: [...state.documents, { number, text, approvals: {}, adopted: null }] };
    }
    case 'SessionDocumentAttached': {
      const { title, sha256, size, mediaType } = event.data;
      return { ...state, attachments: [...state.attachments, { title, sha256, size, mediaType }] };
    }
    default:
      return assertNever(event);
  }
};

export const sessionDecider: Decider<SessionCommand, Session, SessionEvent> = {
  decide: decideSession,
  evolve: evolveSession,
  initialState: initialSessionState,
};

// --- secretariat commands ------------------------------------------------------------------------

function schedule(command: ScheduleSession, state: Session): SessionEvent[] {
  requireRole(command.context.actor, SESSION_ROLES, command.type);
  if (state.status !== 'none') throw new IllegalTransitionError(state.status, command.type);
  const { sessionId, agreementId, scheduledFor, venue, agreement } = command.data;
  if (!isNonBlank(sessionId)) throw new RuleViolatedError('session-id-required', 'The session needs an id');
  requireAgreement(agreement, agreementId);
  if (!isIsoInstant(scheduledFor)) {
    throw new RuleViolatedError(
      'scheduled-for-is-utc-instant',
      `Session time ${String(scheduledFor)} is not an ISO UTC instant`,
    );
  }
  if (!isNonBlank(venue)) throw new RuleViolatedError('venue-required', 'The session needs a venue');
  return [
    {
      type: 'SessionScheduled',
      data: { sessionId, agreementId, scheduledFor, venue, parties: [...agreement.parties] },
    },
  ];
}

function addAgendaItem(command: AddAgendaItem, state: ExistingSession): SessionEvent[] {
  requireRole(command.context.actor, SESSION_ROLES, command.type);
  requireStatus(state, ['scheduled', 'open'], command.type);
  const { itemId, commitmentId, kind, proposedDueDate, commitment } = command.data;
  if (!isNonBlank(itemId)) throw new RuleViolatedError('item-id-required', 'An agenda item needs an id');
  if (itemOf(state, itemId) !== null) {
    throw new RuleViolatedError('item-id-unique', `Session ${state.sessionId} already has an item ${itemId}`);
  }
  if (!isNonBlank(commitmentId))
    throw new RuleViolatedError('commitment-id-required', 'An agenda item needs a commitment');
  if (!agendaItemKinds.includes(kind)) {
    throw new RuleViolatedError('item-kind-valid', `Item kind ${String(kind)} is not ${agendaItemKinds.join(', ')}`);
  }
  if (commitment === undefined || commitment.commitmentId !== commitmentId) {
    throw new RuleViolatedError(
      'commitment-context-matches',
      `The command must carry the context of commitment ${commitmentId}, not ${String(commitment?.commitmentId)}`,
    );
  }
  if (commitment.agreementId !== state.agreementId) {
    throw new RuleViolatedError(
      'commitment-in-agreement',
      `Commitment ${commitmentId} belongs to agreement ${commitment.agreementId}, not ${state.agreementId}`,
    );
  }
  const ownItem = openItemFor(state, commitmentId);
  const placement = commitment.agenda ?? (ownItem && { sessionId: state.sessionId, itemId: ownItem.itemId });
  if (placement !== null) {
    throw new RuleViolatedError(
      'commitment-already-on-agenda',
      `Commitment ${commitmentId} is already on item ${placement.itemId} of session ${placement.sessionId}`,
    );
  }
  if (!fitsState(kind, commitment.status)) {
    throw new RuleViolatedError(
      'item-fits-commitment-state',
      `${withArticle(`${kind} item`, { capital: true })} cannot be about a commitment that is ${commitment.status}`,
    );
  }
  const dueDate = checkProposedDueDate(kind, proposedDueDate, commitment.dueDate, command.context.now);
  return [
    {
      type: 'AgendaItemAdded',
      data: { sessionId: state.sessionId, itemId, commitmentId, kind, proposedDueDate: dueDate },
    },
  ];
}

function open(command: OpenSession, state: ExistingSession): SessionEvent[] {
  requireRole(command.context.actor, SESSION_ROLES, command.type);
  requireStatus(state, ['scheduled'], command.type);
  const { attendance } = command.data;
  if (!Array.isArray(attendance) || !attendance.every(isNonBlank) || new Set(attendance).size !== attendance.length) {
    throw new RuleViolatedError('attendance-valid', 'Attendance is a list of distinct party codes');
  }
  const unknown = attendance.filter((party) => !state.parties.includes(party));
  if (unknown.length > 0) {
    throw new RuleViolatedError(
      'attendance-in-agreement',
      `${unknown.join(', ')} ${unknown.length === 1 ? 'is not a party' : 'are not parties'} to agreement ${state.agreementId}`,
    );
  }
  // The agreement's order, so that the event does not depend on the order of the roll call.
  const present = state.parties.filter((party) => attendance.includes(party));
  return [{ type: 'SessionOpened', data: { sessionId: state.sessionId, attendance: present } }];
}

function close(command: CloseSession, state: ExistingSession): SessionEvent[] {
  requireRole(command.context.actor, SESSION_ROLES, command.type);
  requireStatus(state, ['open'], command.type);
  const { sessionId } = state;
  const undecided = state.items.filter((item) => item.status === 'open');
  return [
    ...undecided.map((item): SessionEvent => ({
      type: 'ItemDeferred',
      data: { sessionId, itemId: item.itemId, commitmentId: item.commitmentId, kind: item.kind },
    })),
    {
      type: 'SessionClosed',
      data: {
        sessionId,
        decided: state.items.filter((item) => item.status === 'decided').map((item) => item.itemId),
        deferred: undecided.map((item) => item.itemId),
      },
    },
  ];
}

// --- delegations -------------------------------------------------------------------------------

function recordPosition(command: RecordPosition, state: ExistingSession): SessionEvent[] {
  const party = requireDelegateOf(command, state);
  requireStatus(state, ['open'], command.type);
  const { itemId, position } = command.data;
  const item = itemOf(state, itemId);
  if (item === null) {
    throw new RuleViolatedError('item-on-agenda', `Session ${state.sessionId} has no agenda item ${String(itemId)}`);
  }
  if (item.status !== 'open') {
    throw new RuleViolatedError(`item-${item.status}`, `Item ${itemId} is already ${item.status}`);
  }
  if (!hasFullAttendance(state)) {
    const absent = state.parties.filter((p) => !state.attendance.includes(p));
    throw new RuleViolatedError(
      'full-attendance-required',
      `No position is recorded while ${absent.join(', ')} ${absent.length === 1 ? 'is' : 'are'} absent`,
    );
  }
  if (!isPositionFor(item.kind, position)) {
    throw new RuleViolatedError(
      'position-option-valid',
      `Position ${String(position)} on ${withArticle(`${item.kind} item`)} is not ${positionOptions[item.kind].join(', ')}`,
    );
  }
  if (!isOptionalText(command.data.note)) throw new RuleViolatedError('note-is-text', 'The note must be text');
  const note = command.data.note ?? null;
  const previous = item.positions[party];
  if (previous !== undefined && previous.position === position && previous.note === note) {
    throw new RuleViolatedError('position-unchanged', `${party} already holds position ${position} on item ${itemId}`);
  }

  const { sessionId } = state;
  const recorded: SessionEvent = { type: 'PositionRecorded', data: { sessionId, itemId, party, position, note } };
  const positions = { ...item.positions, [party]: { position, note } };
  if (!state.parties.every((p) => positions[p]?.position === position)) return [recorded];
  const notes = state.parties.flatMap((p): PartyNote[] => {
    const text = positions[p].note;
    return isNonBlank(text) ? [{ party: p, note: text }] : [];
  });
  return [
    recorded,
    {
      type: 'DecisionReached',
      data: {
        sessionId,
        decisionId: decisionIdOf(sessionId, itemId),
        itemId,
        commitmentId: item.commitmentId,
        kind: item.kind,
        outcome: position,
        proposedDueDate: item.proposedDueDate,
        notes,
      },
    },
  ];
}

// --- the minutes -------------------------------------------------------------------------------

/** Longest addendum text, in characters. */
export const MAX_ADDENDUM_LENGTH = 20_000;

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The hash names what is approved, so a delegation approves exactly the text it read: if it is
 * not the hash of the minutes or of an addendum as they stand, nothing is recorded.
 */
function approveMinutes(command: ApproveMinutes, state: ExistingSession): SessionEvent[] {
  const party = requireDelegateOf(command, state);
  requireStatus(state, ['closed'], command.type);
  const { contentHash, documents } = command.data;
  if (typeof contentHash !== 'string' || !SHA256_HEX.test(contentHash)) {
    throw new RuleViolatedError('content-hash-valid', 'The content hash is 64 lower-case hexadecimal digits');
  }
  const hashes = [documents.minutes, ...documents.addenda];
  if (hashes.length !== state.documents.length) {
    throw new Error(
      `Session ${state.sessionId} has ${state.documents.length} documents, the handler hashed ${hashes.length}`,
    );
  }
  const number = hashes.indexOf(contentHash);
  if (number < 0) {
    throw new RuleViolatedError(
      'content-hash-current',
      `${contentHash} is not the content hash of the minutes of session ${state.sessionId} (${documents.minutes})` +
        (documents.addenda.length > 0 ? ` nor of an addendum (${documents.addenda.join(', ')})` : ''),
    );
  }
  const document = state.documents[number];
  const name = number === 0 ? 'The minutes' : `Addendum ${number}`;
  if (document.adopted !== null) {
    throw new RuleViolatedError(
      'document-already-adopted',
      `${name} of session ${state.sessionId} are already adopted`,
    );
  }
  if (document.approvals[party] !== undefined) {
    throw new RuleViolatedError('document-already-approved', `${party} already approved ${name.toLowerCase()}`);
  }
  const { sessionId } = state;
  const approved: SessionEvent = { type: 'MinutesApproved', data: { sessionId, document: number, contentHash, party } };
  const approvals = { ...document.approvals, [party]: contentHash };
  if (!state.parties.every((p) => approvals[p] === contentHash)) return [approved];
  return [
    approved,
    { type: 'MinutesAdopted', data: { sessionId, document: number, contentHash, parties: [...state.parties] } },
  ];
}

function recordAddendum(command: RecordMinutesAddendum, state: ExistingSession): SessionEvent[] {
  requireRole(command.context.actor, SESSION_ROLES, command.type);
  requireStatus(state, ['closed'], command.type);
  const minutes = state.documents[0];
  if (minutes.adopted === null) {
    throw new RuleViolatedError(
      'minutes-adopted-first',
      `The minutes of session ${state.sessionId} are not adopted yet: an addendum corrects adopted minutes`,
    );
  }
  const { text } = command.data;
  if (!isNonBlank(text)) throw new RuleViolatedError('addendum-text-required', 'An addendum needs its text');
  if (text.length > MAX_ADDENDUM_LENGTH) {
    throw new RuleViolatedError('addendum-text-length', `An addendum is at most ${MAX_ADDENDUM_LENGTH} characters`);
  }
  return [
    {
      type: 'MinutesAddendumRecorded',
      data: { sessionId: state.sessionId, document: state.documents.length, text, corrects: minutes.adopted },
    },
  ];
}

/** Longest title of an attached document. */
export const MAX_ATTACHMENT_TITLE = 300;

function attachDocument(command: AttachSessionDocument, state: ExistingSession): SessionEvent[] {
  requireRole(command.context.actor, SESSION_ROLES, command.type);
  const { title, sha256, size, mediaType } = command.data;
  if (!isNonBlank(title) || title.length > MAX_ATTACHMENT_TITLE) {
    throw new RuleViolatedError(
      'document-title-required',
      `A document needs a title of at most ${MAX_ATTACHMENT_TITLE} characters`,
    );
  }
  if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) {
    throw new RuleViolatedError(
      'document-hash-valid',
      'A document is named by its SHA-256: 64 lower-case hexadecimal digits',
    );
  }
  if (!Number.isSafeInteger(size) || size <= 0 || !isNonBlank(mediaType)) {
    throw new RuleViolatedError(
      'document-stored',
      'The handler must give the stored size and media type of the document',
    );
  }
  if (state.attachments.some((a) => a.sha256 === sha256)) {
    throw new RuleViolatedError(
      'document-already-attached',
      `Document ${sha256} is already attached to session ${state.sessionId}`,
    );
  }
  return [{ type: 'SessionDocumentAttached', data: { sessionId: state.sessionId, title, sha256, size, mediaType } }];
}

function updateDocument(
  state: ExistingSession,
  number: number,
  change: (document: SessionDocument) => SessionDocument,
): ExistingSession {
  if (state.documents[number] === undefined) throw new Error(`Session ${state.sessionId} has no document ${number}`);
  return { ...state, documents: state.documents.map((d) => (d.number === number ? change(d) : d)) };
}

/** The party the delegate speaks for: its own, and one of the session's. */
function requireDelegateOf(command: RecordPosition | ApproveMinutes, state: ExistingSession): string {
  const { actor } = command.context;
  requireRole(actor, POSITION_ROLES, command.type);
  const party = requirePartyActor(actor, command.type);
  const claimed = 'party' in command.data ? command.data.party : undefined;
  if (claimed !== undefined && claimed !== party) {
    throw new ForbiddenError(command.type, `A delegate of ${party} cannot speak for ${String(claimed)}`);
  }
  if (!state.parties.includes(party)) {
    throw new ForbiddenError(command.type, `${party} is not a party to agreement ${state.agreementId}`);
  }
  return party;
}

// --- checks --------------------------------------------------------------------------------------

/** The session the command addresses, which must have been scheduled (else NotFound, as for commitments). */
function existing(command: Exclude<SessionCommand, ScheduleSession>, state: Session): ExistingSession {
  if (state.status === 'none') throw new NotFoundError('session', command.data.sessionId, command.type);
  if (command.data.sessionId !== state.sessionId) {
    throw new RuleViolatedError(
      'session-id-matches-stream',
      `Command for session ${command.data.sessionId} reached session ${state.sessionId}`,
    );
  }
  return state;
}

/** Required for an extension, with the rules ExtendDueDate will apply; refused on other kinds. */
function checkProposedDueDate(
  kind: AgendaItemKind,
  proposed: unknown,
  currentDueDate: string | null,
  now: string,
): string | null {
  if (kind !== 'extension') {
    if (proposed !== undefined && proposed !== null) {
      throw new RuleViolatedError(
        'proposed-due-date-only-for-extension',
        `${withArticle(`${kind} item`, { capital: true })} proposes no due date`,
      );
    }
    return null;
  }
  if (proposed === undefined || proposed === null) {
    throw new RuleViolatedError('proposed-due-date-required', 'An extension item proposes a new due date');
  }
  if (!isIsoDate(proposed)) {
    throw new RuleViolatedError('due-date-is-iso-date', `Due date ${String(proposed)} is not a YYYY-MM-DD date`);
  }
  if (proposed < utcDateOf(now)) {
    throw new RuleViolatedError('due-date-not-in-past', `Due date ${proposed} is already past`);
  }
  if (currentDueDate !== null && proposed <= currentDueDate) {
    throw new RuleViolatedError(
      'extension-moves-due-date-later',
      `An extension must move the due date ${currentDueDate} later, not to ${proposed}`,
    );
  }
  return proposed;
}

function updateItem(state: ExistingSession, itemId: string, change: (item: AgendaItem) => AgendaItem): ExistingSession {
  if (itemOf(state, itemId) === null) throw new Error(`Session ${state.sessionId} has no agenda item ${itemId}`);
  return { ...state, items: state.items.map((item) => (item.itemId === itemId ? change(item) : item)) };
}
