import {
  commitmentDecider,
  fold,
  type Actor,
  type CommitmentCommand,
  type CommitmentEvent,
  type CommitmentStatus,
} from '@accord/commitments';
import { agendaItemKinds, positionOptions, type AgendaItemKind, type Position } from './agenda-item.rules';
import {
  agendaItemToCommitmentCommand,
  decisionToCommitmentCommand,
  deferralToCommitmentCommand,
  type CommitmentCommandIntent,
} from './commitment-command.mapping';
import type { DecisionReached, PartyNote } from './session.events';

const ID = 'c-1';
const SID = 's-1';
const NOW = '2025-02-01T09:00:00.000Z';
const ref = { commitmentId: ID, sessionId: SID, decisionId: `${SID}:i-1` };

const decision = (kind: AgendaItemKind, outcome: Position, notes: PartyNote[] = []): DecisionReached['data'] => ({
  sessionId: SID,
  decisionId: `${SID}:i-1`,
  itemId: 'i-1',
  commitmentId: ID,
  kind,
  outcome,
  proposedDueDate: kind === 'extension' ? '2025-09-30' : null,
  notes,
});

const notes: PartyNote[] = [
  { party: 'MA', note: 'Budget confirmed' },
  { party: 'QA', note: 'Training centre available' },
];
const joined = 'MA: Budget confirmed\nQA: Training centre available';

/** What each decision becomes, without notes and with the two notes above; null: no command. */
const expected: Record<string, [CommitmentCommandIntent | null, CommitmentCommandIntent | null]> = {
  'review/approve': [
    { type: 'ApproveCommitment', data: ref },
    { type: 'ApproveCommitment', data: { ...ref, note: joined } },
  ],
  'review/reject': [
    { type: 'RejectCommitment', data: { ...ref, reason: 'Rejected by the mixed committee' } },
    { type: 'RejectCommitment', data: { ...ref, reason: joined } },
  ],
  'review/request_changes': [
    {
      type: 'RequestChanges',
      data: { ...ref, requestedChanges: 'The mixed committee asks for the proposal to be revised' },
    },
    { type: 'RequestChanges', data: { ...ref, requestedChanges: joined } },
  ],
  'evaluation/achieved': [
    { type: 'EvaluateCommitment', data: { ...ref, outcome: 'achieved' } },
    { type: 'EvaluateCommitment', data: { ...ref, outcome: 'achieved', notes: joined } },
  ],
  'evaluation/partially_achieved': [
    { type: 'EvaluateCommitment', data: { ...ref, outcome: 'partially_achieved' } },
    { type: 'EvaluateCommitment', data: { ...ref, outcome: 'partially_achieved', notes: joined } },
  ],
  'evaluation/not_achieved': [
    { type: 'EvaluateCommitment', data: { ...ref, outcome: 'not_achieved' } },
    { type: 'EvaluateCommitment', data: { ...ref, outcome: 'not_achieved', notes: joined } },
  ],
  'extension/grant': [
    { type: 'ExtendDueDate', data: { ...ref, dueDate: '2025-09-30' } },
    { type: 'ExtendDueDate', data: { ...ref, dueDate: '2025-09-30', reason: joined } },
  ],
  'extension/deny': [null, null],
  'suspension/grant': [
    { type: 'SuspendCommitment', data: { ...ref, reason: 'Suspended by the mixed committee' } },
    { type: 'SuspendCommitment', data: { ...ref, reason: joined } },
  ],
  'suspension/deny': [null, null],
  'resumption/grant': [
    { type: 'ResumeCommitment', data: ref },
    { type: 'ResumeCommitment', data: { ...ref, reason: joined } },
  ],
  'resumption/deny': [null, null],
  'reopening/grant': [
    { type: 'ReopenCommitment', data: { ...ref, reason: 'Reopened by the mixed committee' } },
    { type: 'ReopenCommitment', data: { ...ref, reason: joined } },
  ],
  'reopening/deny': [null, null],
};

// A commitment history that leads to the state each kind of item is about.
const proposed: CommitmentEvent = {
  type: 'CommitmentProposed',
  data: {
    commitmentId: ID,
    agreementId: 'ma-qa-2014',
    title: 'Joint cybercrime training',
    description: 'Two cohorts',
    domain: 'cybercrime',
    leadAgencies: ['DGSN'],
    dueDate: '2025-06-30',
    priority: 'normal',
    proposingParty: 'MA',
  },
};
const trace = { sessionId: 's-0', decisionId: 's-0:i-1' };
const placed: CommitmentEvent = {
  type: 'CommitmentPlacedOnAgenda',
  data: { commitmentId: ID, sessionId: SID, itemId: 'i-1' },
};
const approved: CommitmentEvent[] = [
  proposed,
  { type: 'CommitmentPlacedOnAgenda', data: { commitmentId: ID, sessionId: 's-0', itemId: 'i-1' } },
  { type: 'CommitmentApproved', data: { commitmentId: ID, ...trace, note: null } },
];
const inProgress: CommitmentEvent[] = [...approved, { type: 'CommitmentStarted', data: { commitmentId: ID } }];
const completed: CommitmentEvent[] = [
  ...inProgress,
  {
    type: 'CommitmentCompleted',
    data: { commitmentId: ID, summary: 'Done', evidence: [{ title: 'R', uri: 'https://x/r' }] },
  },
];
const before: Record<AgendaItemKind, CommitmentEvent[]> = {
  review: [proposed, placed],
  evaluation: completed,
  extension: inProgress,
  suspension: approved,
  resumption: [
    ...inProgress,
    { type: 'CommitmentSuspended', data: { commitmentId: ID, ...trace, from: 'in_progress', reason: 'Budget' } },
  ],
  reopening: [
    ...completed,
    { type: 'CommitmentEvaluated', data: { commitmentId: ID, ...trace, outcome: 'achieved', notes: null } },
  ],
};
const after: Record<string, CommitmentStatus> = {
  'review/approve': 'approved',
  'review/reject': 'rejected',
  'review/request_changes': 'changes_requested',
  'evaluation/achieved': 'evaluated',
  'evaluation/partially_achieved': 'evaluated',
  'evaluation/not_achieved': 'evaluated',
  'extension/grant': 'in_progress',
  'suspension/grant': 'suspended',
  'resumption/grant': 'in_progress',
  'reopening/grant': 'in_progress',
};

const processManager: Actor = { id: 'session-process-manager', role: 'system' };
const send = (intent: CommitmentCommandIntent): CommitmentCommand =>
  ({ ...intent, context: { actor: processManager, now: NOW } }) as CommitmentCommand;

const cases = agendaItemKinds.flatMap((kind) => positionOptions[kind].map((option) => ({ kind, option })));

describe('decisionToCommitmentCommand', () => {
  it('has an expectation for every kind and option', () => {
    expect(Object.keys(expected).sort()).toEqual(cases.map(({ kind, option }) => `${kind}/${option}`).sort());
  });

  it.each(cases)('$kind/$option, without notes and with notes', ({ kind, option }) => {
    const [plain, annotated] = expected[`${kind}/${option}`];
    expect(decisionToCommitmentCommand(decision(kind, option))).toEqual(plain);
    expect(decisionToCommitmentCommand(decision(kind, option, notes))).toEqual(annotated);
  });

  it.each(cases.filter(({ option }) => option !== 'deny'))(
    '$kind/$option gives a command the commitment accepts, with the session traced',
    ({ kind, option }) => {
      for (const withNotes of [[], notes]) {
        const intent = decisionToCommitmentCommand(decision(kind, option, withNotes));
        if (intent === null) throw new Error('expected a command');
        const events = commitmentDecider.decide(send(intent), fold(commitmentDecider, before[kind]));
        expect(events).toHaveLength(1);
        expect(events[0].data).toMatchObject({ sessionId: SID, decisionId: `${SID}:i-1` });
        expect(fold(commitmentDecider, [...before[kind], ...events]).status).toBe(after[`${kind}/${option}`]);
      }
    },
  );

  it('takes the session id given, else the one the decision names', () => {
    expect(decisionToCommitmentCommand(decision('review', 'approve'), 's-9')?.data).toMatchObject({ sessionId: 's-9' });
  });

  it('throws on a decision that no session could have reached', () => {
    expect(() => decisionToCommitmentCommand(decision('review', 'grant'))).toThrow(/no outcome of a review item/);
    expect(() => decisionToCommitmentCommand(decision('evaluation', 'approve'))).toThrow(/no outcome/);
    expect(() => decisionToCommitmentCommand(decision('suspension', 'achieved'))).toThrow(/no outcome/);
    expect(() => decisionToCommitmentCommand({ ...decision('extension', 'grant'), proposedDueDate: null })).toThrow(
      /without a date/,
    );
  });
});

describe('deferralToCommitmentCommand', () => {
  it('sends a review item back to proposed, through DeferCommitment', () => {
    const intent = deferralToCommitmentCommand({ sessionId: SID, itemId: 'i-1', commitmentId: ID, kind: 'review' });
    expect(intent).toEqual({
      type: 'DeferCommitment',
      data: { ...ref, reason: 'Not decided in session s-1; deferred to a later session' },
    });
    const events = commitmentDecider.decide(send(intent!), fold(commitmentDecider, before.review));
    expect(fold(commitmentDecider, [...before.review, ...events])).toMatchObject({ status: 'proposed', agenda: null });
  });

  it.each(agendaItemKinds.filter((kind) => kind !== 'review'))('has nothing to undo for a %s item', (kind) => {
    expect(deferralToCommitmentCommand({ sessionId: SID, itemId: 'i-1', commitmentId: ID, kind })).toBeNull();
  });
});

describe('agendaItemToCommitmentCommand', () => {
  it('places the commitment of a review item on the agenda', () => {
    const intent = agendaItemToCommitmentCommand({
      sessionId: SID,
      itemId: 'i-1',
      commitmentId: ID,
      kind: 'review',
      proposedDueDate: null,
    });
    expect(intent).toEqual({ type: 'PlaceOnAgenda', data: { commitmentId: ID, sessionId: SID, itemId: 'i-1' } });
    const events = commitmentDecider.decide(send(intent!), fold(commitmentDecider, [proposed]));
    expect(events).toEqual([placed]);
  });

  it.each(agendaItemKinds.filter((kind) => kind !== 'review'))(
    'leaves the commitment as it is for a %s item',
    (kind) => {
      expect(
        agendaItemToCommitmentCommand({ sessionId: SID, itemId: 'i-1', commitmentId: ID, kind, proposedDueDate: null }),
      ).toBeNull();
    },
  );
});
