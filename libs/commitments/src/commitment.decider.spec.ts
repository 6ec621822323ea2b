import { givenWhenThen } from './testing/given-when-then';
import type { AgreementContext } from './agreement.context';
import type { Actor } from './command.types';
import type { CommitmentCommand, CommitmentCommandType } from './commitment.commands';
import { commitmentCommandTypes, partyCommandTypes, secretariatCommandTypes } from './commitment.commands';
import { commitmentDecider, evolveCommitment } from './commitment.decider';
import type { CommitmentEvent, CommitmentEventType, CommitmentProposed } from './commitment.events';
import { commitmentEventTypes, isCommitmentEvent } from './commitment.events';
import { commitmentStatuses, initialCommitmentState, isOverdue, type CommitmentStatus } from './commitment.state';
import { fold } from './decider.types';
import { ForbiddenError, IllegalTransitionError, NotFoundError, RuleViolatedError } from './domain.errors';

const given = givenWhenThen(commitmentDecider);

// --- fixtures -------------------------------------------------------------------------------

const ID = 'c-1';
const NOW = '2025-02-01T09:00:00.000Z';
const DUE = '2025-06-30';
const agreement: AgreementContext = {
  agreementId: 'ma-qa-2014',
  domains: ['counter-terrorism', 'cybercrime', 'border-security'],
  parties: ['MA', 'QA'],
};

const ma: Actor = { id: 'dgsn-gateway', role: 'integration', party: 'MA' };
const maDelegate: Actor = { id: 'ma-head-of-delegation', role: 'delegate', party: 'MA' };
const qa: Actor = { id: 'moi-gateway', role: 'integration', party: 'QA' };
const secretariat: Actor = { id: 'secretary-1', role: 'secretariat' };
const system: Actor = { id: 'session-process-manager', role: 'system' };
const auditor: Actor = { id: 'auditor-1', role: 'auditor' };
const admin: Actor = { id: 'admin-1', role: 'admin' };

const ctx = (actor: Actor, now = NOW) => ({ actor, now });
const session = { sessionId: 's-1', decisionId: 'd-1' };
const trace = { sessionId: 's-1', decisionId: 'd-1' };

/** One valid command of each kind, sent by the actor allowed to send it. */
const commands: { [T in CommitmentCommandType]: Extract<CommitmentCommand, { type: T }> } = {
  ProposeCommitment: {
    type: 'ProposeCommitment',
    data: {
      commitmentId: ID,
      agreementId: agreement.agreementId,
      title: 'Joint cybercrime training',
      description: 'Two training sessions for investigators of both parties',
      domain: 'cybercrime',
      leadAgencies: ['DGSN'],
      dueDate: DUE,
      agreement,
    },
    context: ctx(ma),
  },
  ReviseCommitment: {
    type: 'ReviseCommitment',
    data: { commitmentId: ID, title: 'Joint cybercrime training, two cohorts', agreement },
    context: ctx(ma),
  },
  WithdrawCommitment: {
    type: 'WithdrawCommitment',
    data: { commitmentId: ID, reason: 'Superseded' },
    context: ctx(ma),
  },
  PlaceOnAgenda: {
    type: 'PlaceOnAgenda',
    data: { commitmentId: ID, sessionId: 's-1', itemId: 'i-1' },
    context: ctx(secretariat),
  },
  ApproveCommitment: { type: 'ApproveCommitment', data: { commitmentId: ID, ...session }, context: ctx(system) },
  RejectCommitment: {
    type: 'RejectCommitment',
    data: { commitmentId: ID, ...session, reason: 'Out of scope' },
    context: ctx(system),
  },
  RequestChanges: {
    type: 'RequestChanges',
    data: { commitmentId: ID, ...session, requestedChanges: 'Name a lead agency for Qatar' },
    context: ctx(system),
  },
  DeferCommitment: { type: 'DeferCommitment', data: { commitmentId: ID, ...session }, context: ctx(system) },
  StartCommitment: { type: 'StartCommitment', data: { commitmentId: ID }, context: ctx(ma) },
  ReportProgress: {
    type: 'ReportProgress',
    data: { commitmentId: ID, percent: 40, narrative: 'First cohort trained' },
    context: ctx(ma),
  },
  CompleteCommitment: {
    type: 'CompleteCommitment',
    data: {
      commitmentId: ID,
      summary: 'Both cohorts trained',
      evidence: [{ title: 'Report', uri: 'https://x/r.pdf' }],
    },
    context: ctx(ma),
  },
  EvaluateCommitment: {
    type: 'EvaluateCommitment',
    data: { commitmentId: ID, ...session, outcome: 'achieved' },
    context: ctx(system),
  },
  ExtendDueDate: {
    type: 'ExtendDueDate',
    data: { commitmentId: ID, ...session, dueDate: '2025-09-30' },
    context: ctx(system),
  },
  SuspendCommitment: {
    type: 'SuspendCommitment',
    data: { commitmentId: ID, ...session, reason: 'Budget review' },
    context: ctx(system),
  },
  ResumeCommitment: { type: 'ResumeCommitment', data: { commitmentId: ID, ...session }, context: ctx(system) },
  ReopenCommitment: {
    type: 'ReopenCommitment',
    data: { commitmentId: ID, ...session, reason: 'Second phase agreed' },
    context: ctx(system),
  },
  MarkOverdue: { type: 'MarkOverdue', data: { commitmentId: ID }, context: ctx(system, '2025-07-01T00:00:00.000Z') },
  CloseCommitment: { type: 'CloseCommitment', data: { commitmentId: ID }, context: ctx(secretariat) },
};

const proposed: CommitmentProposed = {
  type: 'CommitmentProposed',
  data: {
    commitmentId: ID,
    agreementId: agreement.agreementId,
    title: 'Joint cybercrime training',
    description: 'Two training sessions for investigators of both parties',
    domain: 'cybercrime',
    leadAgencies: ['DGSN'],
    dueDate: DUE,
    priority: 'normal',
    proposingParty: 'MA',
  },
};
const placed: CommitmentEvent = {
  type: 'CommitmentPlacedOnAgenda',
  data: { commitmentId: ID, sessionId: 's-1', itemId: 'i-1' },
};
const approved: CommitmentEvent = { type: 'CommitmentApproved', data: { commitmentId: ID, ...trace, note: null } };
const changesRequested: CommitmentEvent = {
  type: 'CommitmentChangesRequested',
  data: { commitmentId: ID, ...trace, requestedChanges: 'Name a lead agency for Qatar' },
};
const rejected: CommitmentEvent = { type: 'CommitmentRejected', data: { commitmentId: ID, ...trace, reason: 'No' } };
const withdrawn: CommitmentEvent = { type: 'CommitmentWithdrawn', data: { commitmentId: ID, reason: 'Superseded' } };
const started: CommitmentEvent = { type: 'CommitmentStarted', data: { commitmentId: ID } };
const progress = (percent: number): CommitmentEvent => ({
  type: 'ProgressReported',
  data: { commitmentId: ID, percent, narrative: `${percent}% done`, evidence: [] },
});
const completed: CommitmentEvent = {
  type: 'CommitmentCompleted',
  data: { commitmentId: ID, summary: 'Done', evidence: [{ title: 'Report', uri: 'https://x/r.pdf' }] },
};
const evaluated: CommitmentEvent = {
  type: 'CommitmentEvaluated',
  data: { commitmentId: ID, ...trace, outcome: 'partially_achieved', notes: null },
};
const suspendedFrom = (from: 'approved' | 'in_progress'): CommitmentEvent => ({
  type: 'CommitmentSuspended',
  data: { commitmentId: ID, ...trace, from, reason: 'Budget review' },
});
const closed: CommitmentEvent = { type: 'CommitmentClosed', data: { commitmentId: ID, note: null } };
const overdue = (dueDate: string): CommitmentEvent => ({
  type: 'CommitmentBecameOverdue',
  data: { commitmentId: ID, dueDate },
});

type StateName = CommitmentStatus | 'none';

/** A history that leads to each state. */
const histories: Record<StateName, CommitmentEvent[]> = {
  none: [],
  proposed: [proposed],
  under_review: [proposed, placed],
  changes_requested: [proposed, placed, changesRequested],
  approved: [proposed, placed, approved],
  in_progress: [proposed, placed, approved, started],
  completed: [proposed, placed, approved, started, progress(100), completed],
  evaluated: [proposed, placed, approved, started, progress(100), completed, evaluated],
  suspended: [proposed, placed, approved, started, suspendedFrom('in_progress')],
  rejected: [proposed, placed, rejected],
  withdrawn: [proposed, withdrawn],
  closed: [proposed, placed, approved, started, progress(100), completed, evaluated, closed],
};

// --- the whole state machine ------------------------------------------------------------------

/** What each command emits when its state allows it. */
const emits: Record<CommitmentCommandType, CommitmentEventType[]> = {
  ProposeCommitment: ['CommitmentProposed'],
  ReviseCommitment: ['CommitmentRevised'],
  WithdrawCommitment: ['CommitmentWithdrawn'],
  PlaceOnAgenda: ['CommitmentPlacedOnAgenda'],
  ApproveCommitment: ['CommitmentApproved'],
  RejectCommitment: ['CommitmentRejected'],
  RequestChanges: ['CommitmentChangesRequested'],
  DeferCommitment: ['CommitmentDeferred'],
  StartCommitment: ['CommitmentStarted'],
  ReportProgress: ['ProgressReported'],
  CompleteCommitment: ['CommitmentCompleted'],
  EvaluateCommitment: ['CommitmentEvaluated'],
  ExtendDueDate: ['DueDateExtended'],
  SuspendCommitment: ['CommitmentSuspended'],
  ResumeCommitment: ['CommitmentResumed'],
  ReopenCommitment: ['CommitmentReopened'],
  MarkOverdue: ['CommitmentBecameOverdue'],
  CloseCommitment: ['CommitmentClosed'],
};

/** ok: emits (see `emits`); __: IllegalTransitionError; nf: NotFoundError. */
const ok = 'ok';
const __ = '__';
const nf = 'nf';
type Cell = typeof ok | typeof __ | typeof nf;

const columns: CommitmentCommandType[] = [
  'ProposeCommitment',
  'ReviseCommitment',
  'WithdrawCommitment',
  'PlaceOnAgenda',
  'ApproveCommitment',
  'RejectCommitment',
  'RequestChanges',
  'DeferCommitment',
  'StartCommitment',
  'ReportProgress',
  'CompleteCommitment',
  'EvaluateCommitment',
  'ExtendDueDate',
  'SuspendCommitment',
  'ResumeCommitment',
  'ReopenCommitment',
  'MarkOverdue',
  'CloseCommitment',
];

// prettier-ignore
const table: Record<StateName, Cell[]> = {
  //                  Prop Rev  Wdr  Agnd Appr Rej  Chng Defr Strt Prog Cmpl Eval Extd Susp Resm Reop Ovrd Clse
  none:              [ok,  nf,  nf,  nf,  nf,  nf,  nf,  nf,  nf,  nf,  nf,  nf,  nf,  nf,  nf,  nf,  nf,  nf],
  proposed:          [__,  ok,  ok,  ok,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __],
  under_review:      [__,  __,  ok,  __,  ok,  ok,  ok,  ok,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __],
  changes_requested: [__,  ok,  ok,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __],
  approved:          [__,  __,  __,  __,  __,  __,  __,  ok,  ok,  __,  __,  __,  ok,  ok,  __,  __,  ok,  __],
  in_progress:       [__,  __,  __,  __,  __,  __,  __,  ok,  __,  ok,  ok,  __,  ok,  ok,  __,  __,  ok,  __],
  completed:         [__,  __,  __,  __,  __,  __,  __,  ok,  __,  __,  __,  ok,  __,  __,  __,  __,  __,  __],
  evaluated:         [__,  __,  __,  __,  __,  __,  __,  ok,  __,  __,  __,  __,  __,  __,  __,  ok,  __,  ok],
  suspended:         [__,  __,  __,  __,  __,  __,  __,  ok,  __,  __,  __,  __,  __,  __,  ok,  __,  __,  __],
  rejected:          [__,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __],
  withdrawn:         [__,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __],
  closed:            [__,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __,  __],
};

describe('commitment state machine: every (state, command) pair', () => {
  it('covers every state and every command', () => {
    expect(Object.keys(table).sort()).toEqual(['none', ...commitmentStatuses].sort());
    expect([...columns].sort()).toEqual([...commitmentCommandTypes].sort());
    for (const row of Object.values(table)) expect(row).toHaveLength(columns.length);
  });

  const cases = (Object.keys(table) as StateName[]).flatMap((state) =>
    columns.map((command, i) => ({ state, command, cell: table[state][i] })),
  );

  it.each(cases)('$state + $command → $cell', ({ state, command, cell }) => {
    const history = histories[state];
    expect(fold(commitmentDecider, history).status).toBe(state);
    const when = given(...history).when(commands[command]);
    if (cell === ok) {
      expect(when.events().map((e) => e.type)).toEqual(emits[command]);
    } else if (cell === nf) {
      when.thenThrows(NotFoundError, { code: 'NOT_FOUND', entity: 'commitment', id: ID, command });
    } else {
      when.thenThrows(IllegalTransitionError, { code: 'ILLEGAL_TRANSITION', state, command });
    }
  });
});

// --- rules ----------------------------------------------------------------------------------

describe('ProposeCommitment', () => {
  it('records the whole proposal, normal priority by default, owned by the proposing party', () => {
    const state = given().when(commands.ProposeCommitment).then([proposed]);
    expect(state).toMatchObject({ status: 'proposed', owner: 'MA', progress: 0, overdueFor: null });
  });

  it('needs no due date, and keeps the given priority', () => {
    const command = { ...commands.ProposeCommitment };
    command.data = { ...command.data, dueDate: undefined, priority: 'high' };
    const [event] = given().when(command).events();
    expect(event.data).toMatchObject({ dueDate: null, priority: 'high' });
  });

  it('may be sent by a delegate of a party', () => {
    const [event] = given()
      .when({ ...commands.ProposeCommitment, context: ctx(maDelegate) })
      .events();
    expect(event.data).toMatchObject({ proposingParty: 'MA' });
  });

  it('refuses a commitment that already exists', () => {
    given(proposed).when(commands.ProposeCommitment).thenThrows(IllegalTransitionError, { state: 'proposed' });
    given(...histories.closed)
      .when(commands.ProposeCommitment)
      .thenThrows(IllegalTransitionError, { state: 'closed' });
  });

  const violations: [string, Partial<CommitmentCommand['data']> & Record<string, unknown>, string][] = [
    ['a blank title', { title: '  ' }, 'title-required'],
    ['a domain outside the agreement', { domain: 'tax-evasion' }, 'domain-in-agreement'],
    ['no lead agency', { leadAgencies: [] }, 'lead-agencies-valid'],
    ['a duplicate lead agency', { leadAgencies: ['DGSN', 'DGSN'] }, 'lead-agencies-valid'],
    ['a due date that is no date', { dueDate: '30/06/2025' }, 'due-date-is-iso-date'],
    ['a due date that does not exist', { dueDate: '2025-02-29' }, 'due-date-is-iso-date'],
    ['a due date already past', { dueDate: '2025-01-31' }, 'due-date-not-in-past'],
    ['an unknown priority', { priority: 'urgent' }, 'priority-valid'],
    [
      'the context of another agreement',
      { agreement: { ...agreement, agreementId: 'other' } },
      'agreement-context-matches',
    ],
    ['a blank id', { commitmentId: '' }, 'commitment-id-required'],
  ];
  it.each(violations)('refuses %s', (_name, patch, rule) => {
    const command = { ...commands.ProposeCommitment, data: { ...commands.ProposeCommitment.data, ...patch } };
    given()
      .when(command as CommitmentCommand)
      .thenThrows(RuleViolatedError, { code: 'RULE_VIOLATED', rule });
  });

  it('accepts a due date of today', () => {
    const command = {
      ...commands.ProposeCommitment,
      data: { ...commands.ProposeCommitment.data, dueDate: '2025-02-01' },
    };
    expect(given().when(command).events()).toHaveLength(1);
  });

  it('refuses a party that is not party to the agreement', () => {
    given()
      .when({ ...commands.ProposeCommitment, context: ctx({ id: 'x', role: 'integration', party: 'FR' }) })
      .thenThrows(RuleViolatedError, { rule: 'party-in-agreement' });
  });

  it.each([secretariat, system, auditor, admin, { id: 'y', role: 'integration' } as Actor])(
    'is forbidden to $role actors that act for no party',
    (actor) => {
      given()
        .when({ ...commands.ProposeCommitment, context: ctx(actor) })
        .thenThrows(ForbiddenError, { code: 'FORBIDDEN', command: 'ProposeCommitment' });
    },
  );

  it('refuses a command time that is not a UTC instant', () => {
    given()
      .when({ ...commands.ProposeCommitment, context: ctx(ma, '2025-02-01T10:00:00+01:00') })
      .thenThrows(RuleViolatedError, { rule: 'now-is-utc-instant' });
  });
});

describe('ReviseCommitment', () => {
  it('records only what changed, and stays proposed', () => {
    const state = given(proposed)
      .when({
        ...commands.ReviseCommitment,
        data: { commitmentId: ID, title: proposed.data.title, priority: 'high', dueDate: null, agreement },
      })
      .then([{ type: 'CommitmentRevised', data: { commitmentId: ID, changes: { priority: 'high', dueDate: null } } }]);
    expect(state).toMatchObject({ status: 'proposed', priority: 'high', dueDate: null, title: proposed.data.title });
  });

  it('sends a commitment whose changes were requested back to proposed', () => {
    const state = given(proposed, placed, changesRequested)
      .when({
        ...commands.ReviseCommitment,
        data: { commitmentId: ID, domain: 'border-security', leadAgencies: ['DGSN', 'DGST'], agreement },
      })
      .then([
        {
          type: 'CommitmentRevised',
          data: { commitmentId: ID, changes: { domain: 'border-security', leadAgencies: ['DGSN', 'DGST'] } },
        },
      ]);
    expect(state).toMatchObject({ status: 'proposed', domain: 'border-security', leadAgencies: ['DGSN', 'DGST'] });
  });

  it('refuses a revision that changes nothing', () => {
    given(proposed)
      .when({ ...commands.ReviseCommitment, data: { commitmentId: ID, title: proposed.data.title, agreement } })
      .thenThrows(RuleViolatedError, { rule: 'revision-changes-something' });
  });

  it('checks a new domain against the agreement as it is now', () => {
    given(proposed)
      .when({
        ...commands.ReviseCommitment,
        data: { commitmentId: ID, domain: 'cybercrime-2', agreement: { ...agreement, domains: ['cybercrime-2'] } },
      })
      .then([{ type: 'CommitmentRevised', data: { commitmentId: ID, changes: { domain: 'cybercrime-2' } } }]);
    given(proposed)
      .when({ ...commands.ReviseCommitment, data: { commitmentId: ID, domain: 'piracy', agreement } })
      .thenThrows(RuleViolatedError, { rule: 'domain-in-agreement' });
  });

  it('refuses a blank title and a past due date', () => {
    given(proposed)
      .when({ ...commands.ReviseCommitment, data: { commitmentId: ID, title: '', agreement } })
      .thenThrows(RuleViolatedError, { rule: 'title-required' });
    given(proposed)
      .when({ ...commands.ReviseCommitment, data: { commitmentId: ID, dueDate: '2024-12-31', agreement } })
      .thenThrows(RuleViolatedError, { rule: 'due-date-not-in-past' });
  });
});

describe('ownership and roles', () => {
  it("forbids a QA integration to revise MA's proposal", () => {
    given(proposed)
      .when({ ...commands.ReviseCommitment, context: ctx(qa) })
      .thenThrows(ForbiddenError, { command: 'ReviseCommitment' });
  });

  /** The state in which each command is legal, so that only the actor decides the outcome. */
  const legalIn: Record<CommitmentCommandType, StateName> = {
    ProposeCommitment: 'none',
    ReviseCommitment: 'proposed',
    WithdrawCommitment: 'proposed',
    PlaceOnAgenda: 'proposed',
    ApproveCommitment: 'under_review',
    RejectCommitment: 'under_review',
    RequestChanges: 'under_review',
    DeferCommitment: 'under_review',
    StartCommitment: 'approved',
    ReportProgress: 'in_progress',
    CompleteCommitment: 'in_progress',
    EvaluateCommitment: 'completed',
    ExtendDueDate: 'approved',
    SuspendCommitment: 'in_progress',
    ResumeCommitment: 'suspended',
    ReopenCommitment: 'evaluated',
    MarkOverdue: 'in_progress',
    CloseCommitment: 'evaluated',
  };

  const partyOwned = partyCommandTypes.filter((type) => type !== 'ProposeCommitment');

  it.each(partyOwned)('%s: forbidden to the other party, allowed to any actor of the owning party', (type) => {
    const history = histories[legalIn[type]];
    given(...history)
      .when({ ...commands[type], context: ctx(qa) } as CommitmentCommand)
      .thenThrows(ForbiddenError, { command: type });
    expect(
      given(...history)
        .when({ ...commands[type], context: ctx(maDelegate) } as CommitmentCommand)
        .events(),
    ).toHaveLength(1);
  });

  it.each(partyOwned)('%s: forbidden to the secretariat, the system, auditors and admins', (type) => {
    for (const actor of [secretariat, system, auditor, admin]) {
      given(...histories[legalIn[type]])
        .when({ ...commands[type], context: ctx(actor) } as CommitmentCommand)
        .thenThrows(ForbiddenError, { command: type });
    }
  });

  it.each(secretariatCommandTypes)('%s: allowed to secretariat and system, forbidden to the others', (type) => {
    const history = histories[legalIn[type]];
    for (const actor of [secretariat, system]) {
      expect(
        given(...history)
          .when({ ...commands[type], context: { ...commands[type].context, actor } } as CommitmentCommand)
          .events(),
      ).toHaveLength(1);
    }
    for (const actor of [ma, qa, maDelegate, auditor, admin]) {
      given(...history)
        .when({ ...commands[type], context: { ...commands[type].context, actor } } as CommitmentCommand)
        .thenThrows(ForbiddenError, { command: type });
    }
  });

  it('checks that the commitment exists before the actor, and the actor before the state', () => {
    given()
      .when({ ...commands.ApproveCommitment, context: ctx(auditor) })
      .thenThrows(NotFoundError);
    given(...histories.closed)
      .when({ ...commands.ApproveCommitment, context: ctx(auditor) })
      .thenThrows(ForbiddenError);
    given(...histories.closed)
      .when({ ...commands.ReportProgress, context: ctx(qa) })
      .thenThrows(ForbiddenError);
  });

  it('refuses a command addressed to another commitment than the stream it reached', () => {
    given(proposed)
      .when({ ...commands.WithdrawCommitment, data: { commitmentId: 'c-2', reason: 'x' } })
      .thenThrows(RuleViolatedError, { rule: 'commitment-id-matches-stream' });
  });
});

describe('WithdrawCommitment', () => {
  it('takes the commitment off the agenda, and needs a reason', () => {
    const state = given(proposed, placed)
      .when(commands.WithdrawCommitment)
      .then([{ type: 'CommitmentWithdrawn', data: { commitmentId: ID, reason: 'Superseded' } }]);
    expect(state).toMatchObject({ status: 'withdrawn', agenda: null });
    given(proposed)
      .when({ ...commands.WithdrawCommitment, data: { commitmentId: ID, reason: ' ' } })
      .thenThrows(RuleViolatedError, { rule: 'reason-required' });
  });
});

describe('committee decisions', () => {
  it('placing on the agenda records the session and the item', () => {
    const state = given(proposed).when(commands.PlaceOnAgenda).then([placed]);
    expect(state).toMatchObject({ status: 'under_review', agenda: { sessionId: 's-1', itemId: 'i-1' } });
  });

  it('approval, rejection and requested changes carry their traceability, or null', () => {
    given(proposed, placed).when(commands.ApproveCommitment).then([approved]);
    given(proposed, placed)
      .when({ ...commands.RejectCommitment, data: { commitmentId: ID, reason: 'Out of scope' } })
      .then([
        {
          type: 'CommitmentRejected',
          data: { commitmentId: ID, sessionId: null, decisionId: null, reason: 'Out of scope' },
        },
      ]);
    const state = given(proposed, placed).when(commands.RequestChanges).then([changesRequested]);
    expect(state).toMatchObject({ status: 'changes_requested', agenda: null });
  });

  it('a rejection needs a reason and a request for changes needs the changes', () => {
    given(proposed, placed)
      .when({ ...commands.RejectCommitment, data: { commitmentId: ID, reason: '' } })
      .thenThrows(RuleViolatedError, { rule: 'reason-required' });
    given(proposed, placed)
      .when({ ...commands.RequestChanges, data: { commitmentId: ID, requestedChanges: '' } })
      .thenThrows(RuleViolatedError, { rule: 'requested-changes-required' });
  });

  it('evaluation records the outcome, and refuses an unknown one', () => {
    const state = given(...histories.completed)
      .when(commands.EvaluateCommitment)
      .then([{ type: 'CommitmentEvaluated', data: { commitmentId: ID, ...trace, outcome: 'achieved', notes: null } }]);
    expect(state).toMatchObject({ status: 'evaluated', outcome: 'achieved' });
    given(...histories.completed)
      .when({ ...commands.EvaluateCommitment, data: { commitmentId: ID, outcome: 'great' as 'achieved' } })
      .thenThrows(RuleViolatedError, { rule: 'outcome-valid' });
  });

  it('closing an evaluated commitment is final', () => {
    const state = given(...histories.evaluated)
      .when(commands.CloseCommitment)
      .then([closed]);
    expect(state.status).toBe('closed');
  });
});

describe('DeferCommitment', () => {
  it('sends a commitment under review back to proposed, off the agenda, ready for another session', () => {
    const deferred: CommitmentEvent = {
      type: 'CommitmentDeferred',
      data: { commitmentId: ID, ...trace, from: 'under_review', reason: 'No consensus' },
    };
    const state = given(proposed, placed)
      .when({ ...commands.DeferCommitment, data: { commitmentId: ID, ...session, reason: 'No consensus' } })
      .then([deferred]);
    expect(state).toMatchObject({ status: 'proposed', agenda: null });
    given(proposed, placed, deferred)
      .when({ ...commands.PlaceOnAgenda, data: { commitmentId: ID, sessionId: 's-2', itemId: 'i-9' } })
      .then([{ type: 'CommitmentPlacedOnAgenda', data: { commitmentId: ID, sessionId: 's-2', itemId: 'i-9' } }]);
  });

  it.each(['approved', 'in_progress', 'completed', 'evaluated', 'suspended'] as const)(
    'records a deferred item about a commitment %s without changing its state',
    (status) => {
      const state = given(...histories[status])
        .when(commands.DeferCommitment)
        .then([{ type: 'CommitmentDeferred', data: { commitmentId: ID, ...trace, from: status, reason: null } }]);
      expect(state).toEqual(fold(commitmentDecider, histories[status]));
    },
  );
});

describe('ReportProgress', () => {
  const report = (percent: number) => ({
    ...commands.ReportProgress,
    data: { ...commands.ReportProgress.data, percent },
  });

  it('records percent, narrative and evidence', () => {
    const evidence = [{ title: 'Attendance list', uri: 'https://docs.example/attendance.pdf' }];
    const state = given(...histories.in_progress)
      .when({ ...commands.ReportProgress, data: { commitmentId: ID, percent: 55.5, narrative: 'Half', evidence } })
      .then([{ type: 'ProgressReported', data: { commitmentId: ID, percent: 55.5, narrative: 'Half', evidence } }]);
    expect(state).toMatchObject({ progress: 55.5 });
  });

  it('never goes down, but may repeat the same percentage', () => {
    given(...histories.in_progress, progress(60))
      .when(report(59))
      .thenThrows(RuleViolatedError, { rule: 'progress-never-decreases' });
    expect(
      given(...histories.in_progress, progress(60))
        .when(report(60))
        .events(),
    ).toHaveLength(1);
  });

  it.each([0, 100])('accepts %d', (percent) => {
    expect(
      given(...histories.in_progress)
        .when(report(percent))
        .events(),
    ).toHaveLength(1);
  });

  it.each([-1, 100.5, 101, Number.NaN, Number.POSITIVE_INFINITY])('refuses %d', (percent) => {
    given(...histories.in_progress)
      .when(report(percent))
      .thenThrows(RuleViolatedError, { rule: 'progress-percent-in-range' });
  });

  it('refuses a blank narrative and evidence without a URI', () => {
    given(...histories.in_progress)
      .when({ ...commands.ReportProgress, data: { commitmentId: ID, percent: 10, narrative: '' } })
      .thenThrows(RuleViolatedError, { rule: 'narrative-required' });
    given(...histories.in_progress)
      .when({
        ...commands.ReportProgress,
        data: { commitmentId: ID, percent: 10, narrative: 'x', evidence: [{ title: 'Photo', uri: 'not a uri' }] },
      })
      .thenThrows(RuleViolatedError, { rule: 'evidence-valid' });
  });
});

describe('CompleteCommitment', () => {
  it('needs a summary and at least one piece of evidence', () => {
    given(...histories.in_progress)
      .when({ ...commands.CompleteCommitment, data: { commitmentId: ID, summary: 'Done', evidence: [] } })
      .thenThrows(RuleViolatedError, { rule: 'completion-needs-evidence' });
    given(...histories.in_progress)
      .when({ ...commands.CompleteCommitment, data: { ...commands.CompleteCommitment.data, summary: '' } })
      .thenThrows(RuleViolatedError, { rule: 'summary-required' });
  });
});

describe('overdue', () => {
  const markAt = (now: string) => ({ ...commands.MarkOverdue, context: ctx(system, now) });
  const extendTo = (dueDate: string, now = NOW) => ({
    ...commands.ExtendDueDate,
    data: { commitmentId: ID, dueDate },
    context: ctx(system, now),
  });

  it('starts the day after the due date, not on it', () => {
    given(...histories.in_progress)
      .when(markAt('2025-06-30T23:59:59.999Z'))
      .thenThrows(RuleViolatedError, { rule: 'due-date-passed' });
    const state = given(...histories.in_progress)
      .when(markAt('2025-07-01T00:00:00.000Z'))
      .then([overdue(DUE)]);
    expect(isOverdue(state)).toBe(true);
  });

  it('happens once per due date', () => {
    given(...histories.approved, overdue(DUE))
      .when(markAt('2025-08-01T00:00:00.000Z'))
      .thenThrows(RuleViolatedError, { rule: 'overdue-once-per-due-date' });
  });

  it('is cleared by an extension, and happens again once the new date passes', () => {
    const extended: CommitmentEvent = {
      type: 'DueDateExtended',
      data: {
        commitmentId: ID,
        sessionId: null,
        decisionId: null,
        previousDueDate: DUE,
        dueDate: '2025-09-30',
        reason: null,
      },
    };
    const state = given(...histories.in_progress, overdue(DUE))
      .when(extendTo('2025-09-30', '2025-07-02T08:00:00.000Z'))
      .then([extended]);
    expect(state).toMatchObject({ dueDate: '2025-09-30', overdueFor: null });
    expect(isOverdue(state)).toBe(false);

    const history = [...histories.in_progress, overdue(DUE), extended];
    given(...history)
      .when(markAt('2025-09-30T12:00:00.000Z'))
      .thenThrows(RuleViolatedError, { rule: 'due-date-passed' });
    given(...history)
      .when(markAt('2025-10-01T00:00:00.000Z'))
      .then([overdue('2025-09-30')]);
  });

  it('stays flagged through suspension and resumption', () => {
    const state = given(...histories.in_progress, overdue(DUE), suspendedFrom('in_progress'))
      .when(commands.ResumeCommitment)
      .then([{ type: 'CommitmentResumed', data: { commitmentId: ID, ...trace, to: 'in_progress', reason: null } }]);
    expect(isOverdue(state)).toBe(true);
  });

  it('needs a due date', () => {
    const noDue = { ...proposed, data: { ...proposed.data, dueDate: null } };
    given(noDue, placed, approved)
      .when(markAt('2030-01-01T00:00:00.000Z'))
      .thenThrows(RuleViolatedError, { rule: 'has-due-date' });
  });

  it('an extension moves the due date later and not into the past; it may set a first due date', () => {
    given(...histories.approved)
      .when(extendTo(DUE))
      .thenThrows(RuleViolatedError, { rule: 'extension-moves-due-date-later' });
    given(...histories.approved)
      .when(extendTo('2025-07-15', '2025-08-01T00:00:00.000Z'))
      .thenThrows(RuleViolatedError, { rule: 'due-date-not-in-past' });
    given(...histories.approved)
      .when(extendTo('2025-13-01'))
      .thenThrows(RuleViolatedError, { rule: 'due-date-is-iso-date' });
    const noDue = { ...proposed, data: { ...proposed.data, dueDate: null } };
    const [event] = given(noDue, placed, approved).when(extendTo('2025-03-01')).events();
    expect(event.data).toMatchObject({ previousDueDate: null, dueDate: '2025-03-01' });
  });
});

describe('suspension', () => {
  it.each(['approved', 'in_progress'] as const)('a commitment suspended while %s resumes to it', (from) => {
    const suspended = given(...histories[from])
      .when(commands.SuspendCommitment)
      .then([suspendedFrom(from)]);
    expect(suspended).toMatchObject({ status: 'suspended', suspendedFrom: from });
    const resumed = given(...histories[from], suspendedFrom(from))
      .when(commands.ResumeCommitment)
      .then([{ type: 'CommitmentResumed', data: { commitmentId: ID, ...trace, to: from, reason: null } }]);
    expect(resumed).toMatchObject({ status: from, suspendedFrom: null });
  });

  it('needs a reason', () => {
    given(...histories.approved)
      .when({ ...commands.SuspendCommitment, data: { commitmentId: ID, reason: '' } })
      .thenThrows(RuleViolatedError, { rule: 'reason-required' });
  });

  it('cannot be suspended twice', () => {
    given(...histories.suspended)
      .when(commands.SuspendCommitment)
      .thenThrows(IllegalTransitionError, { state: 'suspended', command: 'SuspendCommitment' });
  });
});

describe('ReopenCommitment', () => {
  it('sends an evaluated commitment back to work, clearing the outcome but not the progress', () => {
    const state = given(...histories.evaluated)
      .when(commands.ReopenCommitment)
      .then([{ type: 'CommitmentReopened', data: { commitmentId: ID, ...trace, reason: 'Second phase agreed' } }]);
    expect(state).toMatchObject({ status: 'in_progress', outcome: null, progress: 100 });
  });

  it('after which the work completes and is evaluated again', () => {
    const reopened: CommitmentEvent = {
      type: 'CommitmentReopened',
      data: { commitmentId: ID, ...trace, reason: 'Second phase' },
    };
    const history = [...histories.evaluated, reopened];
    given(...history)
      .when({ ...commands.ReportProgress, data: { commitmentId: ID, percent: 90, narrative: 'x' } })
      .thenThrows(RuleViolatedError, { rule: 'progress-never-decreases' });
    const completedAgain = given(...history)
      .when(commands.CompleteCommitment)
      .events();
    expect(
      given(...history, ...completedAgain)
        .when(commands.EvaluateCommitment)
        .events(),
    ).toHaveLength(1);
  });

  it('needs a reason', () => {
    given(...histories.evaluated)
      .when({ ...commands.ReopenCommitment, data: { commitmentId: ID, reason: '' } })
      .thenThrows(RuleViolatedError, { rule: 'reason-required' });
  });
});

describe('evolve', () => {
  it('builds the full state from a history', () => {
    expect(fold(commitmentDecider, [...histories.in_progress, progress(30)])).toEqual({
      status: 'in_progress',
      commitmentId: ID,
      agreementId: 'ma-qa-2014',
      title: 'Joint cybercrime training',
      description: 'Two training sessions for investigators of both parties',
      domain: 'cybercrime',
      leadAgencies: ['DGSN'],
      dueDate: DUE,
      priority: 'normal',
      owner: 'MA',
      progress: 30,
      overdueFor: null,
      suspendedFrom: null,
      agenda: null,
      outcome: null,
    });
  });

  it('refuses a history that does not start with the proposal', () => {
    expect(() => evolveCommitment(initialCommitmentState, approved)).toThrow(/never proposed/);
    expect(() => fold(commitmentDecider, [proposed, proposed])).toThrow(/already proposed/);
  });

  it('names every event type, and recognises them in recorded events', () => {
    expect(commitmentEventTypes).toHaveLength(18);
    expect(isCommitmentEvent({ type: 'CommitmentApproved' })).toBe(true);
    expect(isCommitmentEvent({ type: 'AgreementRegistered' })).toBe(false);
    expect(isCommitmentEvent({ type: 'toString' })).toBe(false);
  });
});

describe('ReviseCommitment, field by field', () => {
  const revise = (patch: Record<string, unknown>, agreementContext = agreement) => ({
    ...commands.ReviseCommitment,
    data: { commitmentId: ID, agreement: agreementContext, ...patch },
  });
  const revised = (changes: Record<string, unknown>): CommitmentEvent[] => [
    { type: 'CommitmentRevised', data: { commitmentId: ID, changes } },
  ];

  it('revises the description alone', () => {
    const state = given(proposed)
      .when(revise({ description: 'Three sessions' }))
      .then(revised({ description: 'Three sessions' }));
    expect(state.status !== 'none' && state.description).toBe('Three sessions');
  });

  it('takes an empty description, but refuses one that is not text', () => {
    given(proposed)
      .when(revise({ description: '' }))
      .then(revised({ description: '' }));
    given(proposed)
      .when(revise({ description: 42 }))
      .thenThrows(RuleViolatedError, { rule: 'description-is-text' });
  });

  it('revises the lead agencies alone, as a copy, in their new order', () => {
    const leadAgencies = ['DGST', 'DGSN'];
    const state = given(proposed, revised({ leadAgencies: ['DGSN', 'DGST'] })[0])
      .when(revise({ leadAgencies }))
      .then(revised({ leadAgencies: ['DGST', 'DGSN'] }));
    expect(state.status !== 'none' && state.leadAgencies).toEqual(['DGST', 'DGSN']);
    const [emitted] = given(proposed).when(revise({ leadAgencies })).events();
    expect(emitted.type === 'CommitmentRevised' && emitted.data.changes.leadAgencies).not.toBe(leadAgencies);
  });

  it('counts a list that differs in one agency only as a change', () => {
    given(proposed, revised({ leadAgencies: ['DGSN', 'DGST'] })[0])
      .when(revise({ leadAgencies: ['DGSN', 'DGSP'] }))
      .then(revised({ leadAgencies: ['DGSN', 'DGSP'] }));
  });

  it('refuses lead agencies that are none, blank or repeated', () => {
    for (const leadAgencies of [[], [''], ['DGSN', 'DGSN'], 'DGSN']) {
      given(proposed).when(revise({ leadAgencies })).thenThrows(RuleViolatedError, { rule: 'lead-agencies-valid' });
    }
  });

  it('restating the current value of a field is no change', () => {
    const current = proposed.data;
    const restated = {
      title: current.title,
      description: current.description,
      domain: current.domain,
      leadAgencies: [...current.leadAgencies],
      dueDate: current.dueDate,
      priority: current.priority,
    };
    given(proposed).when(revise(restated)).thenThrows(RuleViolatedError, { rule: 'revision-changes-something' });
    for (const [field, value] of Object.entries(restated)) {
      given(proposed)
        .when(revise({ [field]: value, priority: 'low' }))
        .then(revised({ priority: 'low' }));
    }
    given(proposed)
      .when(revise({ ...restated, title: 'Renamed' }))
      .then(revised({ title: 'Renamed' }));
  });

  it('refuses an unknown priority and checks a new due date', () => {
    given(proposed)
      .when(revise({ priority: 'urgent' }))
      .thenThrows(RuleViolatedError, { rule: 'priority-valid' });
    given(proposed)
      .when(revise({ dueDate: 'soon' }))
      .thenThrows(RuleViolatedError, { rule: 'due-date-is-iso-date' });
    given(proposed)
      .when(revise({ dueDate: '2025-12-31' }))
      .then(revised({ dueDate: '2025-12-31' }));
  });

  it('needs the agreement context of the commitment', () => {
    given(proposed)
      .when(revise({ title: 'x' }, { ...agreement, agreementId: 'other' }))
      .thenThrows(RuleViolatedError, { rule: 'agreement-context-matches' });
  });

  it('applies a recorded revision without judging the state it finds', () => {
    const approvedState = fold(commitmentDecider, histories.approved);
    const revision = revised({ title: 'Later title' })[0];
    expect(evolveCommitment(approvedState, revision)).toMatchObject({ status: 'approved', title: 'Later title' });
  });
});

describe('ProposeCommitment, the proposal itself', () => {
  it('refuses a description that is not text', () => {
    const command = { ...commands.ProposeCommitment, data: { ...commands.ProposeCommitment.data, description: null } };
    given()
      .when(command as unknown as CommitmentCommand)
      .thenThrows(RuleViolatedError, { rule: 'description-is-text' });
  });

  it('records a copy of the lead agencies', () => {
    const leadAgencies = ['DGSN', 'DGST'];
    const [event] = given()
      .when({ ...commands.ProposeCommitment, data: { ...commands.ProposeCommitment.data, leadAgencies } })
      .events();
    expect(event.type === 'CommitmentProposed' && event.data.leadAgencies).toEqual(leadAgencies);
    expect(event.type === 'CommitmentProposed' && event.data.leadAgencies).not.toBe(leadAgencies);
  });
});

describe('optional texts on committee decisions', () => {
  /** Each command with its optional text field, and the state in which it is legal. */
  const optional: [CommitmentCommandType, string, StateName][] = [
    ['ApproveCommitment', 'note', 'under_review'],
    ['DeferCommitment', 'reason', 'under_review'],
    ['EvaluateCommitment', 'notes', 'completed'],
    ['ExtendDueDate', 'reason', 'approved'],
    ['ResumeCommitment', 'reason', 'suspended'],
    ['CloseCommitment', 'note', 'evaluated'],
  ];

  it.each(optional)('%s records its %s, or null, and refuses one that is not text', (type, field, state) => {
    const command = commands[type];
    const withText = { ...command, data: { ...command.data, [field]: 'For the record' } } as CommitmentCommand;
    const [event] = given(...histories[state])
      .when(withText)
      .events();
    expect(event.data).toMatchObject({ [field]: 'For the record' });
    const [plain] = given(...histories[state])
      .when(command)
      .events();
    expect(plain.data).toMatchObject({ [field]: null });
    given(...histories[state])
      .when({ ...command, data: { ...command.data, [field]: 7 } } as CommitmentCommand)
      .thenThrows(RuleViolatedError, { rule: `${field}-is-text` });
  });
});

describe('required texts', () => {
  it.each<[CommitmentCommandType, string, string, StateName]>([
    ['PlaceOnAgenda', 'sessionId', 'session-id-required', 'proposed'],
    ['PlaceOnAgenda', 'itemId', 'item-id-required', 'proposed'],
    ['SuspendCommitment', 'reason', 'reason-required', 'approved'],
    ['ReopenCommitment', 'reason', 'reason-required', 'evaluated'],
    ['CompleteCommitment', 'summary', 'summary-required', 'in_progress'],
  ])('%s needs its %s (%s)', (type, field, rule, state) => {
    for (const value of ['', '  ', undefined, 3]) {
      given(...histories[state])
        .when({ ...commands[type], data: { ...commands[type].data, [field]: value } } as CommitmentCommand)
        .thenThrows(RuleViolatedError, { rule });
    }
  });
});

describe('evidence', () => {
  const complete = (evidence: unknown) =>
    ({ ...commands.CompleteCommitment, data: { ...commands.CompleteCommitment.data, evidence } }) as CommitmentCommand;

  it('is a list of titled URIs', () => {
    for (const evidence of [undefined, null, 'https://x/r.pdf', { title: 'R', uri: 'https://x/r.pdf' }]) {
      given(...histories.in_progress)
        .when(complete(evidence))
        .thenThrows(RuleViolatedError, { rule: 'evidence-valid' });
    }
    for (const item of [null, 'x', {}, { title: 'R' }, { uri: 'https://x/r.pdf' }, { title: ' ', uri: 'https://x' }]) {
      given(...histories.in_progress)
        .when(complete([{ title: 'Report', uri: 'https://x/r.pdf' }, item]))
        .thenThrows(RuleViolatedError, { rule: 'evidence-valid' });
    }
  });

  it('keeps only the title and the URI of each piece', () => {
    const [event] = given(...histories.in_progress)
      .when(complete([{ title: 'Report', uri: 'https://x/r.pdf', size: 12 }]))
      .events();
    expect(event.data).toMatchObject({ evidence: [{ title: 'Report', uri: 'https://x/r.pdf' }] });
    expect(event.type === 'CommitmentCompleted' && event.data.evidence[0]).not.toHaveProperty('size');
  });

  const SHA = 'ab'.repeat(32);

  it('names a stored file by its SHA-256, with its size, and its URI is where the API serves it when none is given', () => {
    const [event] = given(...histories.in_progress)
      .when(complete([{ title: 'Report', sha256: SHA, size: 2048 }]))
      .events();
    expect(event.type === 'CommitmentCompleted' && event.data.evidence).toEqual([
      { title: 'Report', uri: `/evidence/${SHA}`, sha256: SHA, size: 2048 },
    ]);
    const [kept] = given(...histories.in_progress)
      .when(complete([{ title: 'Report', uri: 'https://x/r.pdf', sha256: SHA }]))
      .events();
    expect(kept.type === 'CommitmentCompleted' && kept.data.evidence).toEqual([
      { title: 'Report', uri: 'https://x/r.pdf', sha256: SHA },
    ]);
  });

  it('refuses a hash that is not 64 lower-case hex digits, a size that is not a positive integer, and a relative URI of another file', () => {
    for (const item of [
      { title: 'R', sha256: SHA.toUpperCase() },
      { title: 'R', sha256: SHA.slice(1) },
      { title: 'R', sha256: 42 },
      { title: 'R', sha256: SHA, size: 0 },
      { title: 'R', sha256: SHA, size: 1.5 },
      { title: 'R', sha256: SHA, size: '12' },
      { title: 'R', sha256: SHA, uri: `/evidence/${'cd'.repeat(32)}` },
      { title: ' ', sha256: SHA },
      { title: 'R', uri: `/evidence/${SHA}` },
    ]) {
      given(...histories.in_progress)
        .when(complete([item]))
        .thenThrows(RuleViolatedError, { rule: 'evidence-valid' });
    }
  });

  it('is optional on a progress report, and then none', () => {
    const [event] = given(...histories.in_progress)
      .when(commands.ReportProgress)
      .events();
    expect(event.data).toMatchObject({ evidence: [] });
  });
});

describe('decisions on a state that cannot arise', () => {
  it('refuses to resume a suspended commitment that does not say from what', () => {
    const state = { ...fold(commitmentDecider, histories.suspended), suspendedFrom: null } as const;
    expect(() => commitmentDecider.decide(commands.ResumeCommitment, state)).toThrow(
      `Suspended commitment ${ID} has no prior state`,
    );
  });
});
