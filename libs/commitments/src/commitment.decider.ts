import { COMMITTEE_ROLES, requireOwningParty, requirePartyActor, requireRole } from './actor.policy';
import type { AgreementContext } from './agreement.context';
import { assertNever } from './assert-never';
import { requireAgreement, requireStatus, requireUtcNow } from './command-context.rules';
import type {
  ApproveCommitment,
  CloseCommitment,
  CommitmentCommand,
  CompleteCommitment,
  DecisionReference,
  DeferCommitment,
  EvaluateCommitment,
  ExtendDueDate,
  MarkOverdue,
  PlaceOnAgenda,
  ProposeCommitment,
  RejectCommitment,
  ReopenCommitment,
  ReportProgress,
  RequestChanges,
  ResumeCommitment,
  ReviseCommitment,
  StartCommitment,
  SuspendCommitment,
  WithdrawCommitment,
} from './commitment.commands';
import type { CommitmentEvent, DecisionTrace, ProposalChanges } from './commitment.events';
import {
  evaluationOutcomes,
  evidenceUriOf,
  initialCommitmentState,
  priorities,
  type Commitment,
  type CommitmentStatus,
  type Evidence,
  type ExistingCommitment,
  type Priority,
} from './commitment.state';
import type { Decider } from './decider.types';
import { IllegalTransitionError, NotFoundError, RuleViolatedError } from './domain.errors';
import {
  hasDuplicates,
  isIsoDate,
  isListOfNonBlank,
  isNonBlank,
  isOptionalText,
  isSha256,
  isUri,
  utcDateOf,
} from './value.guards';

/**
 * Checks run in this order, so that the error is predictable: the commitment exists (NotFound),
 * the actor may send the command for it (Forbidden), the state allows the command
 * (IllegalTransition), the command's content keeps the rules (RuleViolated).
 */
export const decideCommitment = (command: CommitmentCommand, state: Commitment): CommitmentEvent[] => {
  requireUtcNow(command.context);
  switch (command.type) {
    case 'ProposeCommitment':
      return propose(command, state);
    case 'ReviseCommitment':
      return revise(command, existing(command, state));
    case 'WithdrawCommitment':
      return withdraw(command, existing(command, state));
    case 'PlaceOnAgenda':
      return placeOnAgenda(command, existing(command, state));
    case 'ApproveCommitment':
      return approve(command, existing(command, state));
    case 'RejectCommitment':
      return reject(command, existing(command, state));
    case 'RequestChanges':
      return requestChanges(command, existing(command, state));
    case 'DeferCommitment':
      return defer(command, existing(command, state));
    case 'StartCommitment':
      return start(command, existing(command, state));
    case 'ReportProgress':
      return reportProgress(command, existing(command, state));
    case 'CompleteCommitment':
      return complete(command, existing(command, state));
    case 'EvaluateCommitment':
      return evaluate(command, existing(command, state));
    case 'ExtendDueDate':
      return extendDueDate(command, existing(command, state));
    case 'SuspendCommitment':
      return suspend(command, existing(command, state));
    case 'ResumeCommitment':
      return resume(command, existing(command, state));
    case 'ReopenCommitment':
      return reopen(command, existing(command, state));
    case 'MarkOverdue':
      return markOverdue(command, existing(command, state));
    case 'CloseCommitment':
      return close(command, existing(command, state));
    default:
      return assertNever(command);
  }
};

/** Events are facts: evolve applies them without judging; only a history that starts wrong is refused. */
export const evolveCommitment = (state: Commitment, event: CommitmentEvent): Commitment => {
  if (event.type === 'CommitmentProposed') {
    if (state.status !== 'none') throw new Error(`Commitment ${event.data.commitmentId} was already proposed`);
    const { proposingParty, ...proposal } = event.data;
    return {
      status: 'proposed',
      ...proposal,
      owner: proposingParty,
      progress: 0,
      overdueFor: null,
      suspendedFrom: null,
      agenda: null,
      outcome: null,
    };
  }
  if (state.status === 'none') {
    throw new Error(`${event.type} cannot apply to commitment ${event.data.commitmentId}, which was never proposed`);
  }
  switch (event.type) {
    case 'CommitmentRevised':
      return {
        ...state,
        ...event.data.changes,
        status: state.status === 'changes_requested' ? 'proposed' : state.status,
      };
    case 'CommitmentWithdrawn':
      return { ...state, status: 'withdrawn', agenda: null };
    case 'CommitmentPlacedOnAgenda':
      return {
        ...state,
        status: 'under_review',
        agenda: { sessionId: event.data.sessionId, itemId: event.data.itemId },
      };
    case 'CommitmentApproved':
      return { ...state, status: 'approved', agenda: null };
    case 'CommitmentRejected':
      return { ...state, status: 'rejected', agenda: null };
    case 'CommitmentChangesRequested':
      return { ...state, status: 'changes_requested', agenda: null };
    case 'CommitmentDeferred':
      return event.data.from === 'under_review' ? { ...state, status: 'proposed', agenda: null } : state;
    case 'CommitmentStarted':
      return { ...state, status: 'in_progress' };
    case 'ProgressReported':
      return { ...state, progress: event.data.percent };
    case 'CommitmentCompleted':
      return { ...state, status: 'completed' };
    case 'CommitmentEvaluated':
      return { ...state, status: 'evaluated', outcome: event.data.outcome };
    case 'DueDateExtended':
      return { ...state, dueDate: event.data.dueDate, overdueFor: null };
    case 'CommitmentSuspended':
      return { ...state, status: 'suspended', suspendedFrom: event.data.from };
    case 'CommitmentResumed':
      return { ...state, status: event.data.to, suspendedFrom: null };
    case 'CommitmentReopened':
      return { ...state, status: 'in_progress', outcome: null };
    case 'CommitmentBecameOverdue':
      return { ...state, overdueFor: event.data.dueDate };
    case 'CommitmentClosed':
      return { ...state, status: 'closed' };
    default:
      return assertNever(event);
  }
};

export const commitmentDecider: Decider<CommitmentCommand, Commitment, CommitmentEvent> = {
  decide: decideCommitment,
  evolve: evolveCommitment,
  initialState: initialCommitmentState,
};

// --- party commands -------------------------------------------------------------------------

function propose(command: ProposeCommitment, state: Commitment): CommitmentEvent[] {
  const party = requirePartyActor(command.context.actor, command.type);
  if (state.status !== 'none') throw new IllegalTransitionError(state.status, command.type);
  const { commitmentId, agreementId, title, description, domain, leadAgencies, dueDate, agreement } = command.data;
  if (!isNonBlank(commitmentId)) throw new RuleViolatedError('commitment-id-required', 'The commitment needs an id');
  requireAgreement(agreement, agreementId);
  if (!agreement.parties.includes(party)) {
    throw new RuleViolatedError('party-in-agreement', `Party ${party} is not a party to agreement ${agreementId}`);
  }
  checkTitle(title);
  checkDescription(description);
  checkDomain(domain, agreement);
  checkLeadAgencies(leadAgencies);
  if (dueDate !== undefined) checkDueDate(dueDate, command.context.now);
  const priority = command.data.priority ?? 'normal';
  checkPriority(priority);
  return [
    {
      type: 'CommitmentProposed',
      data: {
        commitmentId,
        agreementId,
        title,
        description,
        domain,
        leadAgencies: [...leadAgencies],
        dueDate: dueDate ?? null,
        priority,
        proposingParty: party,
      },
    },
  ];
}

function revise(command: ReviseCommitment, state: ExistingCommitment): CommitmentEvent[] {
  requireOwningParty(command.context.actor, state.owner, command.type);
  requireStatus(state, ['proposed', 'changes_requested'], command.type);
  const { title, description, domain, leadAgencies, dueDate, priority, agreement } = command.data;
  requireAgreement(agreement, state.agreementId);
  const changes: { -readonly [K in keyof ProposalChanges]: ProposalChanges[K] } = {};
  if (title !== undefined && title !== state.title) {
    checkTitle(title);
    changes.title = title;
  }
  if (description !== undefined && description !== state.description) {
    checkDescription(description);
    changes.description = description;
  }
  if (domain !== undefined && domain !== state.domain) {
    checkDomain(domain, agreement);
    changes.domain = domain;
  }
  if (leadAgencies !== undefined && !sameList(leadAgencies, state.leadAgencies)) {
    checkLeadAgencies(leadAgencies);
    changes.leadAgencies = [...leadAgencies];
  }
  if (dueDate !== undefined && dueDate !== state.dueDate) {
    if (dueDate !== null) checkDueDate(dueDate, command.context.now);
    changes.dueDate = dueDate;
  }
  if (priority !== undefined && priority !== state.priority) {
    checkPriority(priority);
    changes.priority = priority;
  }
  if (Object.keys(changes).length === 0) {
    throw new RuleViolatedError('revision-changes-something', 'The revision changes none of the proposal');
  }
  return [{ type: 'CommitmentRevised', data: { commitmentId: state.commitmentId, changes } }];
}

function withdraw(command: WithdrawCommitment, state: ExistingCommitment): CommitmentEvent[] {
  requireOwningParty(command.context.actor, state.owner, command.type);
  requireStatus(state, ['proposed', 'under_review', 'changes_requested'], command.type);
  const reason = requireText(command.data.reason, 'reason-required', 'A withdrawal needs a reason');
  return [{ type: 'CommitmentWithdrawn', data: { commitmentId: state.commitmentId, reason } }];
}

function start(command: StartCommitment, state: ExistingCommitment): CommitmentEvent[] {
  requireOwningParty(command.context.actor, state.owner, command.type);
  requireStatus(state, ['approved'], command.type);
  return [{ type: 'CommitmentStarted', data: { commitmentId: state.commitmentId } }];
}

function reportProgress(command: ReportProgress, state: ExistingCommitment): CommitmentEvent[] {
  requireOwningParty(command.context.actor, state.owner, command.type);
  requireStatus(state, ['in_progress'], command.type);
  const { percent, narrative } = command.data;
  if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 100) {
    throw new RuleViolatedError('progress-percent-in-range', `Progress ${String(percent)} is not between 0 and 100`);
  }
  if (percent < state.progress) {
    throw new RuleViolatedError(
      'progress-never-decreases',
      `Progress ${percent}% is below the ${state.progress}% already reported`,
    );
  }
  requireText(narrative, 'narrative-required', 'A progress report needs a narrative');
  const evidence = checkEvidence(command.data.evidence ?? []);
  return [{ type: 'ProgressReported', data: { commitmentId: state.commitmentId, percent, narrative, evidence } }];
}

function complete(command: CompleteCommitment, state: ExistingCommitment): CommitmentEvent[] {
  requireOwningParty(command.context.actor, state.owner, command.type);
  requireStatus(state, ['in_progress'], command.type);
  const summary = requireText(command.data.summary, 'summary-required', 'A completion needs a summary');
  const evidence = checkEvidence(command.data.evidence);
  if (evidence.length === 0) {
    throw new RuleViolatedError('completion-needs-evidence', 'A completion needs at least one piece of evidence');
  }
  return [{ type: 'CommitmentCompleted', data: { commitmentId: state.commitmentId, summary, evidence } }];
}

// --- committee decisions and secretariat commands ----------------------------------------------

function placeOnAgenda(command: PlaceOnAgenda, state: ExistingCommitment): CommitmentEvent[] {
  requireRole(command.context.actor, COMMITTEE_ROLES, command.type);
  requireStatus(state, ['proposed'], command.type);
  const sessionId = requireText(command.data.sessionId, 'session-id-required', 'An agenda placement needs a session');
  const itemId = requireText(command.data.itemId, 'item-id-required', 'An agenda placement needs an item id');
  return [{ type: 'CommitmentPlacedOnAgenda', data: { commitmentId: state.commitmentId, sessionId, itemId } }];
}

function approve(command: ApproveCommitment, state: ExistingCommitment): CommitmentEvent[] {
  requireRole(command.context.actor, COMMITTEE_ROLES, command.type);
  requireStatus(state, ['under_review'], command.type);
  const note = optionalText(command.data.note, 'note');
  return [{ type: 'CommitmentApproved', data: { commitmentId: state.commitmentId, ...trace(command.data), note } }];
}

function reject(command: RejectCommitment, state: ExistingCommitment): CommitmentEvent[] {
  requireRole(command.context.actor, COMMITTEE_ROLES, command.type);
  requireStatus(state, ['under_review'], command.type);
  const reason = requireText(command.data.reason, 'reason-required', 'A rejection needs a reason');
  return [{ type: 'CommitmentRejected', data: { commitmentId: state.commitmentId, ...trace(command.data), reason } }];
}

function requestChanges(command: RequestChanges, state: ExistingCommitment): CommitmentEvent[] {
  requireRole(command.context.actor, COMMITTEE_ROLES, command.type);
  requireStatus(state, ['under_review'], command.type);
  const requestedChanges = requireText(
    command.data.requestedChanges,
    'requested-changes-required',
    'A request for changes must say which',
  );
  return [
    {
      type: 'CommitmentChangesRequested',
      data: { commitmentId: state.commitmentId, ...trace(command.data), requestedChanges },
    },
  ];
}

/** States in which a commitment can be the subject of an agenda item, hence of a deferral. */
const DEFERRABLE: readonly CommitmentStatus[] = [
  'under_review',
  'approved',
  'in_progress',
  'completed',
  'evaluated',
  'suspended',
];

function defer(command: DeferCommitment, state: ExistingCommitment): CommitmentEvent[] {
  requireRole(command.context.actor, COMMITTEE_ROLES, command.type);
  requireStatus(state, DEFERRABLE, command.type);
  const reason = optionalText(command.data.reason, 'reason');
  return [
    {
      type: 'CommitmentDeferred',
      data: { commitmentId: state.commitmentId, ...trace(command.data), from: state.status, reason },
    },
  ];
}

function evaluate(command: EvaluateCommitment, state: ExistingCommitment): CommitmentEvent[] {
  requireRole(command.context.actor, COMMITTEE_ROLES, command.type);
  requireStatus(state, ['completed'], command.type);
  const { outcome } = command.data;
  if (!evaluationOutcomes.includes(outcome)) {
    throw new RuleViolatedError('outcome-valid', `Outcome ${String(outcome)} is not ${evaluationOutcomes.join(', ')}`);
  }
  const notes = optionalText(command.data.notes, 'notes');
  return [
    { type: 'CommitmentEvaluated', data: { commitmentId: state.commitmentId, ...trace(command.data), outcome, notes } },
  ];
}

function extendDueDate(command: ExtendDueDate, state: ExistingCommitment): CommitmentEvent[] {
  requireRole(command.context.actor, COMMITTEE_ROLES, command.type);
  requireStatus(state, ['approved', 'in_progress'], command.type);
  const { dueDate } = command.data;
  checkDueDate(dueDate, command.context.now);
  if (state.dueDate !== null && dueDate <= state.dueDate) {
    throw new RuleViolatedError(
      'extension-moves-due-date-later',
      `An extension must move the due date ${state.dueDate} later, not to ${dueDate}`,
    );
  }
  const reason = optionalText(command.data.reason, 'reason');
  return [
    {
      type: 'DueDateExtended',
      data: {
        commitmentId: state.commitmentId,
        ...trace(command.data),
        previousDueDate: state.dueDate,
        dueDate,
        reason,
      },
    },
  ];
}

function suspend(command: SuspendCommitment, state: ExistingCommitment): CommitmentEvent[] {
  requireRole(command.context.actor, COMMITTEE_ROLES, command.type);
  const from = state.status;
  if (from !== 'approved' && from !== 'in_progress') throw new IllegalTransitionError(from, command.type);
  const reason = requireText(command.data.reason, 'reason-required', 'A suspension needs a reason');
  return [
    { type: 'CommitmentSuspended', data: { commitmentId: state.commitmentId, ...trace(command.data), from, reason } },
  ];
}

function resume(command: ResumeCommitment, state: ExistingCommitment): CommitmentEvent[] {
  requireRole(command.context.actor, COMMITTEE_ROLES, command.type);
  requireStatus(state, ['suspended'], command.type);
  if (state.suspendedFrom === null) throw new Error(`Suspended commitment ${state.commitmentId} has no prior state`);
  const reason = optionalText(command.data.reason, 'reason');
  return [
    {
      type: 'CommitmentResumed',
      data: { commitmentId: state.commitmentId, ...trace(command.data), to: state.suspendedFrom, reason },
    },
  ];
}

function reopen(command: ReopenCommitment, state: ExistingCommitment): CommitmentEvent[] {
  requireRole(command.context.actor, COMMITTEE_ROLES, command.type);
  requireStatus(state, ['evaluated'], command.type);
  const reason = requireText(command.data.reason, 'reason-required', 'A reopening needs a reason');
  return [{ type: 'CommitmentReopened', data: { commitmentId: state.commitmentId, ...trace(command.data), reason } }];
}

/** A due date is met by finishing on that day: overdue starts the next UTC day. */
function markOverdue(command: MarkOverdue, state: ExistingCommitment): CommitmentEvent[] {
  requireRole(command.context.actor, COMMITTEE_ROLES, command.type);
  requireStatus(state, ['approved', 'in_progress'], command.type);
  const { dueDate } = state;
  if (dueDate === null) throw new RuleViolatedError('has-due-date', 'A commitment without a due date is never overdue');
  const today = utcDateOf(command.context.now);
  if (today <= dueDate) {
    throw new RuleViolatedError('due-date-passed', `Due date ${dueDate} has not passed on ${today}`);
  }
  if (state.overdueFor === dueDate) {
    throw new RuleViolatedError('overdue-once-per-due-date', `Already overdue for due date ${dueDate}`);
  }
  return [{ type: 'CommitmentBecameOverdue', data: { commitmentId: state.commitmentId, dueDate } }];
}

function close(command: CloseCommitment, state: ExistingCommitment): CommitmentEvent[] {
  requireRole(command.context.actor, COMMITTEE_ROLES, command.type);
  requireStatus(state, ['evaluated'], command.type);
  const note = optionalText(command.data.note, 'note');
  return [{ type: 'CommitmentClosed', data: { commitmentId: state.commitmentId, note } }];
}

// --- checks --------------------------------------------------------------------------------------

function existing(command: Exclude<CommitmentCommand, ProposeCommitment>, state: Commitment): ExistingCommitment {
  if (state.status === 'none') throw new NotFoundError('commitment', command.data.commitmentId, command.type);
  if (command.data.commitmentId !== state.commitmentId) {
    throw new RuleViolatedError(
      'commitment-id-matches-stream',
      `Command for commitment ${command.data.commitmentId} reached commitment ${state.commitmentId}`,
    );
  }
  return state;
}

function requireText(value: unknown, rule: string, message: string): string {
  if (!isNonBlank(value)) throw new RuleViolatedError(rule, message);
  return value;
}

function optionalText(value: unknown, field: string): string | null {
  if (!isOptionalText(value)) throw new RuleViolatedError(`${field}-is-text`, `The ${field} must be text`);
  return value ?? null;
}

function trace(reference: DecisionReference): DecisionTrace {
  return { sessionId: reference.sessionId ?? null, decisionId: reference.decisionId ?? null };
}

function checkTitle(title: unknown): void {
  requireText(title, 'title-required', 'A commitment needs a title');
}

function checkDescription(description: unknown): void {
  if (typeof description !== 'string') {
    throw new RuleViolatedError('description-is-text', 'The description must be text');
  }
}

function checkDomain(domain: unknown, agreement: AgreementContext): void {
  if (typeof domain !== 'string' || !agreement.domains.includes(domain)) {
    throw new RuleViolatedError(
      'domain-in-agreement',
      `Domain ${String(domain)} is not one of agreement ${agreement.agreementId}'s domains`,
    );
  }
}

function checkLeadAgencies(leadAgencies: unknown): void {
  if (!isListOfNonBlank(leadAgencies) || leadAgencies.length === 0 || hasDuplicates(leadAgencies)) {
    throw new RuleViolatedError('lead-agencies-valid', 'A commitment needs one or more distinct lead agencies');
  }
}

function checkDueDate(dueDate: unknown, now: string): asserts dueDate is string {
  if (!isIsoDate(dueDate)) {
    throw new RuleViolatedError('due-date-is-iso-date', `Due date ${String(dueDate)} is not a YYYY-MM-DD date`);
  }
  if (dueDate < utcDateOf(now)) {
    throw new RuleViolatedError('due-date-not-in-past', `Due date ${dueDate} is already past`);
  }
}

function checkPriority(priority: unknown): asserts priority is Priority {
  if (!priorities.includes(priority as Priority)) {
    throw new RuleViolatedError('priority-valid', `Priority ${String(priority)} is not ${priorities.join(', ')}`);
  }
}

function checkEvidence(evidence: unknown): Evidence[] {
  if (!Array.isArray(evidence)) throw new RuleViolatedError('evidence-valid', 'Evidence must be a list');
  return evidence.map((item: unknown, index) => {
    const { title, uri, sha256, size } = (item ?? {}) as Partial<Evidence>;
    if (sha256 === undefined) {
      if (!isNonBlank(title) || !isUri(uri)) {
        throw new RuleViolatedError('evidence-valid', `Evidence ${index + 1} needs a title and a URI`);
      }
      return { title, uri };
    }
    // A stored file: its hash names the bytes; the URI may be left out, or be where the API serves it.
    const link = uri ?? evidenceUriOf(sha256);
    if (!isNonBlank(title) || !isSha256(sha256) || !(isUri(link) || link === evidenceUriOf(sha256))) {
      throw new RuleViolatedError(
        'evidence-valid',
        `Evidence ${index + 1} needs a title, and a SHA-256 of 64 lower-case hex digits with a URI or none`,
      );
    }
    if (size !== undefined && !(Number.isSafeInteger(size) && size > 0)) {
      throw new RuleViolatedError('evidence-valid', `Evidence ${index + 1} has a size that is not a positive integer`);
    }
    return { title, uri: link, sha256, ...(size !== undefined ? { size } : {}) };
  });
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
