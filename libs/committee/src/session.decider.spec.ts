import {
  commitmentStatuses,
  fold,
  ForbiddenError,
  IllegalTransitionError,
  NotFoundError,
  RuleViolatedError,
  type Actor,
  type AgreementContext,
  type CommitmentStatus,
} from '@accord/commitments';
import { givenWhenThen } from '@accord/commitments/testing';
import { agendaItemKinds, fitsState, positionOptions, type AgendaItemKind, type Position } from './agenda-item.rules';
import type { CommitmentContext } from './commitment.context';
import type {
  AddAgendaItem,
  CloseSession,
  OpenSession,
  RecordPosition,
  ScheduleSession,
  SessionCommand,
  SessionCommandType,
} from './session.commands';
import { sessionCommandTypes } from './session.commands';
import { evolveSession, sessionDecider } from './session.decider';
import type { PartyNote, SessionEvent, SessionEventType } from './session.events';
import { isSessionEvent, sessionEventTypes } from './session.events';
import { hasFullAttendance, initialSessionState, openItemFor, type SessionStatus } from './session.state';

const given = givenWhenThen(sessionDecider);

// --- fixtures -------------------------------------------------------------------------------

const SID = 's-1';
const NOW = '2025-02-01T09:00:00.000Z';
const DUE = '2025-06-30';
const agreement: AgreementContext = {
  agreementId: 'ma-qa-2014',
  domains: ['counter-terrorism', 'cybercrime'],
  parties: ['MA', 'QA'],
};

const secretariat: Actor = { id: 'secretary-1', role: 'secretariat' };
const admin: Actor = { id: 'admin-1', role: 'admin' };
const system: Actor = { id: 'session-process-manager', role: 'system' };
const auditor: Actor = { id: 'auditor-1', role: 'auditor' };
const maDelegate: Actor = { id: 'ma-head-of-delegation', role: 'delegate', party: 'MA' };
const qaDelegate: Actor = { id: 'qa-head-of-delegation', role: 'delegate', party: 'QA' };
const maIntegration: Actor = { id: 'dgsn-gateway', role: 'integration', party: 'MA' };

const ctx = (actor: Actor = secretariat, now = NOW) => ({ actor, now });

/** The commitment as the AddAgendaItem handler would read it. */
const commitment = (status: CommitmentStatus, patch: Partial<CommitmentContext> = {}): CommitmentContext => ({
  commitmentId: 'c-1',
  agreementId: agreement.agreementId,
  status,
  dueDate: DUE,
  agenda: null,
  owner: 'MA',
  ...patch,
});

/** The commitment state each kind of item is about. */
const fitting: Record<AgendaItemKind, CommitmentStatus> = {
  review: 'proposed',
  evaluation: 'completed',
  extension: 'in_progress',
  suspension: 'approved',
  resumption: 'suspended',
  reopening: 'evaluated',
};

const schedule = (patch: Record<string, unknown> = {}, actor?: Actor): ScheduleSession => ({
  type: 'ScheduleSession',
  data: {
    sessionId: SID,
    agreementId: agreement.agreementId,
    scheduledFor: '2025-03-10T09:30:00.000Z',
    venue: 'Doha',
    agreement,
    ...patch,
  },
  context: ctx(actor),
});
const addItem = (
  kind: AgendaItemKind = 'review',
  patch: Partial<AddAgendaItem['data']> = {},
  actor?: Actor,
): SessionCommand => ({
  type: 'AddAgendaItem',
  data: {
    sessionId: SID,
    itemId: 'i-1',
    commitmentId: 'c-1',
    kind,
    ...(kind === 'extension' ? { proposedDueDate: '2025-09-30' } : {}),
    commitment: commitment(fitting[kind]),
    ...patch,
  },
  context: ctx(actor),
});
const openSession = (attendance: string[] = ['MA', 'QA'], actor?: Actor): OpenSession => ({
  type: 'OpenSession',
  data: { sessionId: SID, attendance },
  context: ctx(actor),
});
const record = (actor: Actor, position: Position, patch: Partial<RecordPosition['data']> = {}): SessionCommand => ({
  type: 'RecordPosition',
  data: { sessionId: SID, itemId: 'i-1', position, ...patch },
  context: ctx(actor),
});
const closeSession = (actor?: Actor): CloseSession => ({
  type: 'CloseSession',
  data: { sessionId: SID },
  context: ctx(actor),
});

const scheduled: SessionEvent = {
  type: 'SessionScheduled',
  data: {
    sessionId: SID,
    agreementId: agreement.agreementId,
    scheduledFor: '2025-03-10T09:30:00.000Z',
    venue: 'Doha',
    parties: ['MA', 'QA'],
  },
};
const added = (
  kind: AgendaItemKind = 'review',
  itemId = 'i-1',
  commitmentId = 'c-1',
  proposedDueDate: string | null = kind === 'extension' ? '2025-09-30' : null,
): SessionEvent => ({ type: 'AgendaItemAdded', data: { sessionId: SID, itemId, commitmentId, kind, proposedDueDate } });
const opened = (attendance: string[] = ['MA', 'QA']): SessionEvent => ({
  type: 'SessionOpened',
  data: { sessionId: SID, attendance },
});
const recorded = (party: string, position: Position, itemId = 'i-1', note: string | null = null): SessionEvent => ({
  type: 'PositionRecorded',
  data: { sessionId: SID, itemId, party, position, note },
});
const decided = (
  outcome: Position,
  kind: AgendaItemKind = 'review',
  itemId = 'i-1',
  commitmentId = 'c-1',
  notes: PartyNote[] = [],
): SessionEvent => ({
  type: 'DecisionReached',
  data: {
    sessionId: SID,
    decisionId: `${SID}:${itemId}`,
    itemId,
    commitmentId,
    kind,
    outcome,
    proposedDueDate: kind === 'extension' ? '2025-09-30' : null,
    notes,
  },
});
const deferred = (itemId = 'i-1', commitmentId = 'c-1', kind: AgendaItemKind = 'review'): SessionEvent => ({
  type: 'ItemDeferred',
  data: { sessionId: SID, itemId, commitmentId, kind },
});
const closed = (decidedItems: string[] = [], deferredItems: string[] = []): SessionEvent => ({
  type: 'SessionClosed',
  data: { sessionId: SID, decided: decidedItems, deferred: deferredItems },
});

const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);
const HASH_C = 'c'.repeat(64);
const hashes = (addenda: string[] = []) => ({ minutes: HASH_A, addenda });
function approveMinutes(contentHash: string, addenda: string[] = [], actor: Actor = maDelegate): SessionCommand {
  return {
    type: 'ApproveMinutes',
    data: { sessionId: SID, contentHash, documents: hashes(addenda) },
    context: ctx(actor),
  };
}
function addendum(text = 'Item i-1: the note of QA reads "two years", not "three".'): SessionCommand {
  return { type: 'RecordMinutesAddendum', data: { sessionId: SID, text }, context: ctx() };
}
const FILE = 'f'.repeat(64);
function attach(patch: Record<string, unknown> = {}, actor: Actor = secretariat): SessionCommand {
  return {
    type: 'AttachSessionDocument',
    data: { sessionId: SID, title: 'Signed roll', sha256: FILE, size: 2048, mediaType: 'application/pdf', ...patch },
    context: ctx(actor),
  } as SessionCommand;
}
const approved = (party: string, document = 0, contentHash = HASH_A): SessionEvent => ({
  type: 'MinutesApproved',
  data: { sessionId: SID, document, contentHash, party },
});
const adopted = (document = 0, contentHash = HASH_A): SessionEvent => ({
  type: 'MinutesAdopted',
  data: { sessionId: SID, document, contentHash, parties: ['MA', 'QA'] },
});

type StateName = SessionStatus | 'none';

/** A history that leads to each state, with one review item about c-1. */
const histories: Record<StateName, SessionEvent[]> = {
  none: [],
  scheduled: [scheduled, added()],
  open: [scheduled, added(), opened()],
  closed: [scheduled, added(), opened(), deferred(), closed([], ['i-1'])],
};

// --- the whole state machine ------------------------------------------------------------------

/** One valid command of each type, legal in the state `legalIn` names. */
const commands: Record<SessionCommandType, SessionCommand> = {
  ScheduleSession: schedule(),
  AddAgendaItem: addItem('evaluation', {
    itemId: 'i-2',
    commitmentId: 'c-2',
    commitment: commitment('completed', { commitmentId: 'c-2' }),
  }),
  OpenSession: openSession(),
  RecordPosition: record(maDelegate, 'approve'),
  CloseSession: closeSession(),
  ApproveMinutes: approveMinutes(HASH_A),
  RecordMinutesAddendum: addendum(),
  AttachSessionDocument: attach(),
};

const emits: Record<SessionCommandType, SessionEventType[]> = {
  ScheduleSession: ['SessionScheduled'],
  AddAgendaItem: ['AgendaItemAdded'],
  OpenSession: ['SessionOpened'],
  RecordPosition: ['PositionRecorded'],
  CloseSession: ['ItemDeferred', 'SessionClosed'],
  ApproveMinutes: ['MinutesApproved'],
  RecordMinutesAddendum: ['MinutesAddendumRecorded'],
  AttachSessionDocument: ['SessionDocumentAttached'],
};

/** ok: emits (see `emits`); __: IllegalTransitionError; nf: NotFoundError; ad: refused until the minutes are adopted. */
const ok = 'ok';
const __ = '__';
const nf = 'nf';
const ad = 'ad';
type Cell = typeof ok | typeof __ | typeof nf | typeof ad;
const columns: SessionCommandType[] = [
  'ScheduleSession',
  'AddAgendaItem',
  'OpenSession',
  'RecordPosition',
  'CloseSession',
  'ApproveMinutes',
  'RecordMinutesAddendum',
  'AttachSessionDocument',
];

// prettier-ignore
const table: Record<StateName, Cell[]> = {
  //          Schd Item Open Pos  Clse Aprv Addm Doc
  none:      [ok,  nf,  nf,  nf,  nf,  nf,  nf,  nf],
  scheduled: [__,  ok,  ok,  __,  __,  __,  __,  ok],
  open:      [__,  ok,  __,  ok,  ok,  __,  __,  ok],
  closed:    [__,  __,  __,  __,  __,  ok,  ad,  ok],
};

/** The actor allowed to send each command. */
const sender = (type: SessionCommandType): Actor =>
  type === 'RecordPosition' || type === 'ApproveMinutes' ? maDelegate : secretariat;

describe('session state machine: every (state, command) pair', () => {
  it('covers every state and every command', () => {
    expect([...columns].sort()).toEqual([...sessionCommandTypes].sort());
    for (const row of Object.values(table)) expect(row).toHaveLength(columns.length);
  });

  const cases = (Object.keys(table) as StateName[]).flatMap((state) =>
    columns.map((command, i) => ({ state, command, cell: table[state][i] })),
  );

  it.each(cases)('$state + $command → $cell', ({ state, command, cell }) => {
    const history = histories[state];
    expect(fold(sessionDecider, history).status).toBe(state);
    const when = given(...history).when({ ...commands[command], context: ctx(sender(command)) });
    if (cell === ok) {
      expect(when.events().map((e) => e.type)).toEqual(emits[command]);
    } else if (cell === ad) {
      when.thenThrows(RuleViolatedError, { rule: 'minutes-adopted-first' });
    } else if (cell === nf) {
      when.thenThrows(NotFoundError, { code: 'NOT_FOUND', entity: 'session', id: SID, command });
    } else {
      when.thenThrows(IllegalTransitionError, { code: 'ILLEGAL_TRANSITION', state, command });
    }
  });
});

// --- secretariat commands ----------------------------------------------------------------------

describe('ScheduleSession', () => {
  it("records the session with the agreement's parties", () => {
    const state = given().when(schedule()).then([scheduled]);
    expect(state).toEqual({
      status: 'scheduled',
      ...scheduled.data,
      attendance: [],
      items: [],
      documents: [],
      attachments: [],
    });
  });

  it.each([admin, system])('may be sent by $role', (actor) => {
    expect(given().when(schedule({}, actor)).events()).toHaveLength(1);
  });

  it.each([maDelegate, maIntegration, auditor])('is forbidden to $role', (actor) => {
    given().when(schedule({}, actor)).thenThrows(ForbiddenError, { code: 'FORBIDDEN', command: 'ScheduleSession' });
  });

  const violations: [string, Record<string, unknown>, string][] = [
    ['a blank id', { sessionId: ' ' }, 'session-id-required'],
    [
      'the context of another agreement',
      { agreement: { ...agreement, agreementId: 'other' } },
      'agreement-context-matches',
    ],
    ['no agreement context', { agreement: undefined }, 'agreement-context-matches'],
    ['a time that is no UTC instant', { scheduledFor: '2025-03-10T09:30:00+03:00' }, 'scheduled-for-is-utc-instant'],
    ['a date without a time', { scheduledFor: '2025-03-10' }, 'scheduled-for-is-utc-instant'],
    ['a blank venue', { venue: '' }, 'venue-required'],
  ];
  it.each(violations)('refuses %s', (_name, patch, rule) => {
    given().when(schedule(patch)).thenThrows(RuleViolatedError, { code: 'RULE_VIOLATED', rule });
  });

  it('refuses a command time that is not a UTC instant', () => {
    given()
      .when({ ...schedule(), context: ctx(secretariat, 'yesterday') })
      .thenThrows(RuleViolatedError, { rule: 'now-is-utc-instant' });
  });
});

describe('commands on a session that was never scheduled', () => {
  it.each(columns.filter((type) => type !== 'ScheduleSession'))('%s is refused as not found', (type) => {
    given()
      .when({ ...commands[type], context: ctx(sender(type)) })
      .thenThrows(NotFoundError, { code: 'NOT_FOUND', entity: 'session', id: SID, command: type });
  });

  it('refuses a command addressed to another session than the stream it reached', () => {
    given(...histories.open)
      .when({ ...closeSession(), data: { sessionId: 's-2' } })
      .thenThrows(RuleViolatedError, { rule: 'session-id-matches-stream' });
  });
});

describe('AddAgendaItem', () => {
  it.each(agendaItemKinds)('adds a %s item about a commitment in a state that fits', (kind) => {
    const state = given(scheduled)
      .when(addItem(kind))
      .then([added(kind)]);
    expect(openItemFor(state, 'c-1')).toEqual({
      itemId: 'i-1',
      commitmentId: 'c-1',
      kind,
      proposedDueDate: kind === 'extension' ? '2025-09-30' : null,
      positions: {},
      status: 'open',
      outcome: null,
    });
  });

  it('may add items once the session is open, in the order they come', () => {
    const state = given(scheduled, added(), opened())
      .when(commands.AddAgendaItem)
      .then([added('evaluation', 'i-2', 'c-2')]);
    expect(state.status !== 'none' && state.items.map((item) => item.itemId)).toEqual(['i-1', 'i-2']);
  });

  it.each([admin, system])('may be sent by $role', (actor) => {
    expect(
      given(scheduled)
        .when(addItem('review', {}, actor))
        .events(),
    ).toHaveLength(1);
  });

  it.each([maDelegate, maIntegration, auditor])('is forbidden to $role', (actor) => {
    given(scheduled)
      .when(addItem('review', {}, actor))
      .thenThrows(ForbiddenError, { command: 'AddAgendaItem' });
  });

  /** Every kind against every commitment state: only the fitting ones are accepted. */
  const expectedFits: Record<AgendaItemKind, CommitmentStatus[]> = {
    review: ['proposed'],
    evaluation: ['completed'],
    extension: ['approved', 'in_progress'],
    suspension: ['approved', 'in_progress'],
    resumption: ['suspended'],
    reopening: ['evaluated'],
  };
  const pairs = agendaItemKinds.flatMap((kind) =>
    commitmentStatuses.map((status) => ({ kind, status, fits: expectedFits[kind].includes(status) })),
  );

  it.each(pairs)('$kind item about a commitment $status: fits = $fits', ({ kind, status, fits }) => {
    expect(fitsState(kind, status)).toBe(fits);
    const when = given(scheduled).when(addItem(kind, { commitment: commitment(status) }));
    if (fits) expect(when.events()).toEqual([added(kind)]);
    else when.thenThrows(RuleViolatedError, { rule: 'item-fits-commitment-state' });
  });

  describe('a commitment is on one open agenda item at a time', () => {
    it('refuses a commitment already on the agenda of a session', () => {
      given(scheduled)
        .when(
          addItem('review', {
            commitment: commitment('under_review', { agenda: { sessionId: 's-0', itemId: 'i-9' } }),
          }),
        )
        .thenThrows(RuleViolatedError, { rule: 'commitment-already-on-agenda' });
    });

    it('refuses a commitment that has an undecided item in this session', () => {
      given(scheduled, added('extension'))
        .when(addItem('suspension', { itemId: 'i-2' }))
        .thenThrows(RuleViolatedError, { rule: 'commitment-already-on-agenda' });
    });

    it('accepts a new item once the earlier one is decided', () => {
      const history = [
        scheduled,
        added('evaluation'),
        opened(),
        recorded('MA', 'achieved'),
        recorded('QA', 'achieved'),
      ];
      given(...history, decided('achieved', 'evaluation'))
        .when(addItem('reopening', { itemId: 'i-2' }))
        .then([added('reopening', 'i-2')]);
    });

    it('is not fooled by another commitment on the agenda', () => {
      expect(
        given(scheduled, added('review', 'i-1', 'c-2'))
          .when(addItem('review', { itemId: 'i-2' }))
          .events(),
      ).toEqual([added('review', 'i-2')]);
    });
  });

  const violations: [string, AgendaItemKind, Partial<AddAgendaItem['data']>, string][] = [
    ['a blank item id', 'review', { itemId: '' }, 'item-id-required'],
    ['an item id already used', 'evaluation', { itemId: 'i-0' }, 'item-id-unique'],
    ['a blank commitment id', 'review', { commitmentId: '' }, 'commitment-id-required'],
    ['an unknown kind', 'review', { kind: 'dissolution' as AgendaItemKind }, 'item-kind-valid'],
    [
      'the context of another commitment',
      'review',
      { commitment: commitment('proposed', { commitmentId: 'c-9' }) },
      'commitment-context-matches',
    ],
    [
      'a commitment of another agreement',
      'review',
      { commitment: commitment('proposed', { agreementId: 'fr-ma-2020' }) },
      'commitment-in-agreement',
    ],
    ['an extension without a date', 'extension', { proposedDueDate: undefined }, 'proposed-due-date-required'],
    ['an extension to no date', 'extension', { proposedDueDate: '2025-02-30' }, 'due-date-is-iso-date'],
    [
      'an extension to a past date',
      'extension',
      { proposedDueDate: '2025-01-31', commitment: commitment('approved', { dueDate: '2024-12-31' }) },
      'due-date-not-in-past',
    ],
    ['an extension to the same date', 'extension', { proposedDueDate: DUE }, 'extension-moves-due-date-later'],
    [
      'an extension to an earlier date',
      'extension',
      { proposedDueDate: '2025-05-01' },
      'extension-moves-due-date-later',
    ],
    ['a date on a review item', 'review', { proposedDueDate: '2025-09-30' }, 'proposed-due-date-only-for-extension'],
    [
      'a date on a suspension item',
      'suspension',
      { proposedDueDate: '2025-09-30' },
      'proposed-due-date-only-for-extension',
    ],
  ];
  it.each(violations)('refuses %s', (_name, kind, patch, rule) => {
    given(scheduled, added('review', 'i-0', 'c-0'))
      .when(addItem(kind, patch))
      .thenThrows(RuleViolatedError, { code: 'RULE_VIOLATED', rule });
  });

  it('accepts an extension that sets a first due date', () => {
    const [event] = given(scheduled)
      .when(
        addItem('extension', { proposedDueDate: '2025-02-01', commitment: commitment('approved', { dueDate: null }) }),
      )
      .events();
    expect(event.data).toMatchObject({ kind: 'extension', proposedDueDate: '2025-02-01' });
  });
});

describe('OpenSession', () => {
  it("records the parties present, in the agreement's order", () => {
    const state = given(scheduled)
      .when(openSession(['QA', 'MA']))
      .then([opened(['MA', 'QA'])]);
    expect(state.status).toBe('open');
    expect(hasFullAttendance(state)).toBe(true);
  });

  it('may open with a party missing, or none', () => {
    expect(
      hasFullAttendance(
        given(scheduled)
          .when(openSession(['MA']))
          .then([opened(['MA'])]),
      ),
    ).toBe(false);
    expect(given(scheduled).when(openSession([])).events()).toEqual([opened([])]);
  });

  it('refuses a party that is not party to the agreement', () => {
    given(scheduled)
      .when(openSession(['MA', 'QA', 'FR']))
      .thenThrows(RuleViolatedError, { rule: 'attendance-in-agreement' });
  });

  it('refuses a party listed twice, or a list that is no list of codes', () => {
    given(scheduled)
      .when(openSession(['MA', 'MA']))
      .thenThrows(RuleViolatedError, { rule: 'attendance-valid' });
    given(scheduled)
      .when(openSession(['MA', '']))
      .thenThrows(RuleViolatedError, { rule: 'attendance-valid' });
    given(scheduled)
      .when(openSession('MA' as unknown as string[]))
      .thenThrows(RuleViolatedError, { rule: 'attendance-valid' });
  });

  it.each([maDelegate, auditor])('is forbidden to $role', (actor) => {
    given(scheduled)
      .when(openSession(['MA', 'QA'], actor))
      .thenThrows(ForbiddenError, { command: 'OpenSession' });
  });
});

// --- positions and decisions --------------------------------------------------------------------

describe('RecordPosition', () => {
  const open = histories.open;

  it('consensus: MA approves, QA approves → the decision, in the same result', () => {
    given(...open, recorded('MA', 'approve'))
      .when(record(qaDelegate, 'approve'))
      .then([recorded('QA', 'approve'), decided('approve')]);
  });

  it('the first position alone decides nothing', () => {
    const state = given(...open)
      .when(record(maDelegate, 'approve', { note: 'Well scoped' }))
      .then([recorded('MA', 'approve', 'i-1', 'Well scoped')]);
    expect(openItemFor(state, 'c-1')?.positions).toEqual({ MA: { position: 'approve', note: 'Well scoped' } });
  });

  it('disagreement: the item stays open', () => {
    const state = given(...open, recorded('MA', 'approve'))
      .when(record(qaDelegate, 'request_changes'))
      .then([recorded('QA', 'request_changes')]);
    expect(openItemFor(state, 'c-1')).toMatchObject({
      status: 'open',
      outcome: null,
      positions: { MA: { position: 'approve' }, QA: { position: 'request_changes' } },
    });
  });

  it('a change of position that meets the other party reaches the decision', () => {
    const state = given(...open, recorded('MA', 'approve'), recorded('QA', 'request_changes'))
      .when(record(maDelegate, 'request_changes', { note: 'Name a lead agency for Qatar' }))
      .then([
        recorded('MA', 'request_changes', 'i-1', 'Name a lead agency for Qatar'),
        decided('request_changes', 'review', 'i-1', 'c-1', [{ party: 'MA', note: 'Name a lead agency for Qatar' }]),
      ]);
    expect(openItemFor(state, 'c-1')).toBeNull();
    expect(state.status !== 'none' && state.items[0]).toMatchObject({ status: 'decided', outcome: 'request_changes' });
  });

  it("keeps every party's note, in the agreement's order, leaving blank notes out", () => {
    const [, decision] = given(...open, recorded('QA', 'reject', 'i-1', 'Outside the agreement'))
      .when(record(maDelegate, 'reject', { note: ' ' }))
      .events();
    expect(decision.data).toMatchObject({ notes: [{ party: 'QA', note: 'Outside the agreement' }] });
    const [, both] = given(...open, recorded('QA', 'reject', 'i-1', 'Outside the agreement'))
      .when(record(maDelegate, 'reject', { note: 'Duplicate of c-0' }))
      .events();
    expect(both.data).toMatchObject({
      notes: [
        { party: 'MA', note: 'Duplicate of c-0' },
        { party: 'QA', note: 'Outside the agreement' },
      ],
    });
  });

  it('refuses the same position again, but takes a new note on it', () => {
    given(...open, recorded('MA', 'approve'))
      .when(record(maDelegate, 'approve'))
      .thenThrows(RuleViolatedError, { rule: 'position-unchanged' });
    expect(
      given(...open, recorded('MA', 'approve'))
        .when(record(maDelegate, 'approve', { note: 'Subject to budget' }))
        .events(),
    ).toEqual([recorded('MA', 'approve', 'i-1', 'Subject to budget')]);
  });

  it('a decided item takes no more positions', () => {
    given(...open, recorded('MA', 'approve'), recorded('QA', 'approve'), decided('approve'))
      .when(record(qaDelegate, 'reject'))
      .thenThrows(RuleViolatedError, { rule: 'item-decided' });
  });

  it('missing attendance: no position is recorded while a party is absent', () => {
    given(scheduled, added(), opened(['MA']))
      .when(record(maDelegate, 'approve'))
      .thenThrows(RuleViolatedError, { rule: 'full-attendance-required' });
  });

  it('refuses an item that is not on the agenda', () => {
    given(...open)
      .when(record(maDelegate, 'approve', { itemId: 'i-7' }))
      .thenThrows(RuleViolatedError, { rule: 'item-on-agenda' });
  });

  it('refuses a note that is not text', () => {
    given(...open)
      .when(record(maDelegate, 'approve', { note: 42 as unknown as string }))
      .thenThrows(RuleViolatedError, { rule: 'note-is-text' });
  });

  describe('who may record', () => {
    it('a delegate records for its own party, named or not', () => {
      expect(
        given(...open)
          .when(record(maDelegate, 'approve', { party: 'MA' }))
          .events(),
      ).toEqual([recorded('MA', 'approve')]);
    });

    it('a delegate recording for another party is forbidden', () => {
      given(...open)
        .when(record(maDelegate, 'approve', { party: 'QA' }))
        .thenThrows(ForbiddenError, { code: 'FORBIDDEN', command: 'RecordPosition' });
    });

    it('a delegate of a country outside the agreement is forbidden', () => {
      given(...open)
        .when(record({ id: 'fr', role: 'delegate', party: 'FR' }, 'approve'))
        .thenThrows(ForbiddenError, { command: 'RecordPosition' });
    });

    it.each([secretariat, system, admin, auditor, maIntegration, { id: 'd', role: 'delegate' } as Actor])(
      'a $role actor ($id) is forbidden',
      (actor) => {
        given(...open)
          .when(record(actor, 'approve'))
          .thenThrows(ForbiddenError, { command: 'RecordPosition' });
      },
    );

    it('the actor is checked before the state', () => {
      given(...histories.closed)
        .when(record(secretariat, 'approve'))
        .thenThrows(ForbiddenError);
    });
  });
});

describe('every kind of item, with each option', () => {
  const cases = agendaItemKinds.flatMap((kind) => positionOptions[kind].map((option) => ({ kind, option })));

  it('offers these options', () => {
    expect(positionOptions).toEqual({
      review: ['approve', 'reject', 'request_changes'],
      evaluation: ['achieved', 'partially_achieved', 'not_achieved'],
      extension: ['grant', 'deny'],
      suspension: ['grant', 'deny'],
      resumption: ['grant', 'deny'],
      reopening: ['grant', 'deny'],
    });
  });

  it.each(cases)('$kind: both parties $option → decided $option', ({ kind, option }) => {
    const history = [scheduled, added(kind), opened(), recorded('QA', option)];
    const state = given(...history)
      .when(record(maDelegate, option))
      .then([recorded('MA', option), decided(option, kind)]);
    expect(state.status !== 'none' && state.items[0]).toMatchObject({ status: 'decided', outcome: option });
  });

  const foreign = agendaItemKinds.flatMap((kind) =>
    (['approve', 'achieved', 'grant', 'abstain'] as Position[])
      .filter((option) => !positionOptions[kind].includes(option))
      .map((option) => ({ kind, option })),
  );
  it.each(foreign)('$kind: $option is refused', ({ kind, option }) => {
    given(scheduled, added(kind), opened())
      .when(record(maDelegate, option))
      .thenThrows(RuleViolatedError, { rule: 'position-option-valid' });
  });
});

describe('CloseSession', () => {
  it('defers every undecided item before closing, and lists what was decided', () => {
    const history = [
      scheduled,
      added('review', 'i-1', 'c-1'),
      added('evaluation', 'i-2', 'c-2'),
      added('extension', 'i-3', 'c-3'),
      opened(),
      recorded('MA', 'achieved', 'i-2'),
      recorded('QA', 'achieved', 'i-2'),
      decided('achieved', 'evaluation', 'i-2', 'c-2'),
      recorded('MA', 'approve', 'i-1'),
      recorded('QA', 'reject', 'i-1'),
    ];
    const state = given(...history)
      .when(closeSession())
      .then([deferred('i-1', 'c-1', 'review'), deferred('i-3', 'c-3', 'extension'), closed(['i-2'], ['i-1', 'i-3'])]);
    expect(state.status).toBe('closed');
    expect(state.status !== 'none' && state.items.map((item) => item.status)).toEqual([
      'deferred',
      'decided',
      'deferred',
    ]);
    expect(openItemFor(state, 'c-1')).toBeNull();
  });

  it('closes a session without items', () => {
    given(scheduled, opened()).when(closeSession()).then([closed()]);
  });

  it('closes a session that lacked a party, deferring everything', () => {
    given(scheduled, added(), opened(['QA']))
      .when(closeSession())
      .then([deferred(), closed([], ['i-1'])]);
  });

  it.each([maDelegate, auditor])('is forbidden to $role', (actor) => {
    given(...histories.open)
      .when(closeSession(actor))
      .thenThrows(ForbiddenError, { command: 'CloseSession' });
  });
});

describe('a closed session', () => {
  const history = histories.closed;
  it.each<[string, SessionCommand]>([
    ['scheduling it again', schedule()],
    ['adding an item', addItem('evaluation', { itemId: 'i-2' })],
    ['opening it again', openSession()],
    ['recording a position', record(maDelegate, 'approve')],
    ['closing it again', closeSession()],
  ])('refuses %s', (_name, command) => {
    given(...history)
      .when(command)
      .thenThrows(IllegalTransitionError, { state: 'closed', command: command.type });
  });
});

describe('evolve', () => {
  it('builds the full state from a history', () => {
    expect(
      fold(sessionDecider, [
        ...histories.open,
        recorded('MA', 'approve', 'i-1', 'Good'),
        added('suspension', 'i-2', 'c-2'),
      ]),
    ).toEqual({
      status: 'open',
      sessionId: SID,
      agreementId: 'ma-qa-2014',
      scheduledFor: '2025-03-10T09:30:00.000Z',
      venue: 'Doha',
      parties: ['MA', 'QA'],
      attendance: ['MA', 'QA'],
      items: [
        {
          itemId: 'i-1',
          commitmentId: 'c-1',
          kind: 'review',
          proposedDueDate: null,
          positions: { MA: { position: 'approve', note: 'Good' } },
          status: 'open',
          outcome: null,
        },
        {
          itemId: 'i-2',
          commitmentId: 'c-2',
          kind: 'suspension',
          proposedDueDate: null,
          positions: {},
          status: 'open',
          outcome: null,
        },
      ],
      documents: [],
      attachments: [],
    });
  });

  it('refuses a history that does not start with the scheduling, or names an unknown item', () => {
    expect(() => evolveSession(initialSessionState, opened())).toThrow(/never scheduled/);
    expect(() => fold(sessionDecider, [scheduled, scheduled])).toThrow(/already scheduled/);
    expect(() => fold(sessionDecider, [scheduled, opened(), recorded('MA', 'approve', 'i-404')])).toThrow(
      /no agenda item/,
    );
  });

  it('names every event type, and recognises them in recorded events', () => {
    expect(sessionEventTypes).toHaveLength(11);
    expect(isSessionEvent({ type: 'DecisionReached' })).toBe(true);
    expect(isSessionEvent({ type: 'CommitmentApproved' })).toBe(false);
    expect(isSessionEvent({ type: 'constructor' })).toBe(false);
  });
});

describe('AddAgendaItem, the commitment it is about', () => {
  it('refuses a command that carries no commitment context', () => {
    given(scheduled)
      .when(addItem('review', { commitment: undefined }))
      .thenThrows(RuleViolatedError, { rule: 'commitment-context-matches' });
  });

  it('takes a review item whose due date is given as null, and refuses an extension to null', () => {
    expect(
      given(scheduled)
        .when(addItem('review', { proposedDueDate: null as unknown as string }))
        .events(),
    ).toEqual([added('review')]);
    given(scheduled)
      .when(addItem('extension', { proposedDueDate: null as unknown as string }))
      .thenThrows(RuleViolatedError, { rule: 'proposed-due-date-required' });
  });

  it('refuses a blank or missing item id and commitment id', () => {
    for (const itemId of [' ', undefined, 7]) {
      given(scheduled)
        .when(addItem('review', { itemId: itemId as string }))
        .thenThrows(RuleViolatedError, { rule: 'item-id-required' });
    }
    for (const commitmentId of [' ', undefined]) {
      given(scheduled)
        .when(addItem('review', { commitmentId: commitmentId as string }))
        .thenThrows(RuleViolatedError, { rule: 'commitment-id-required' });
    }
  });
});

describe('RecordPosition, changes of mind', () => {
  const open = histories.open;

  it('records a change of position that keeps its note', () => {
    const history = [...open, recorded('MA', 'approve', 'i-1', 'Well scoped')];
    const state = given(...history)
      .when(record(maDelegate, 'reject', { note: 'Well scoped' }))
      .then([recorded('MA', 'reject', 'i-1', 'Well scoped')]);
    expect(openItemFor(state, 'c-1')?.positions).toEqual({ MA: { position: 'reject', note: 'Well scoped' } });
  });

  it('takes a position without a note as one with a null note', () => {
    given(...open, recorded('MA', 'approve', 'i-1', null))
      .when(record(maDelegate, 'approve', { note: undefined }))
      .thenThrows(RuleViolatedError, { rule: 'position-unchanged' });
    given(...open, recorded('MA', 'approve', 'i-1', 'A note'))
      .when(record(maDelegate, 'approve'))
      .then([recorded('MA', 'approve', 'i-1', null)]);
  });

  it('decides only when every party of the agreement holds the same position', () => {
    const three: AgreementContext = { ...agreement, parties: ['MA', 'QA', 'FR'] };
    const history = [
      { ...scheduled, data: { ...scheduled.data, parties: three.parties } } as SessionEvent,
      added(),
      opened(['MA', 'QA', 'FR']),
      recorded('QA', 'approve'),
    ];
    expect(
      given(...history)
        .when(record(maDelegate, 'approve'))
        .events(),
    ).toEqual([recorded('MA', 'approve')]);
  });

  it('refuses an item that was deferred, naming its state in the rule', () => {
    const state = fold(sessionDecider, [...open, deferred()]);
    expect(() => sessionDecider.decide(record(maDelegate, 'approve'), state)).toThrow(
      expect.objectContaining({ rule: 'item-deferred' }),
    );
  });
});

describe('evolve, item by item', () => {
  it('defers and decides the named item only, and refuses an item it does not know', () => {
    const history = [scheduled, added('review', 'i-1', 'c-1'), added('review', 'i-2', 'c-2'), opened()];
    const state = fold(sessionDecider, [...history, deferred('i-2', 'c-2')]);
    expect(state.status !== 'none' && state.items.map((item) => item.status)).toEqual(['open', 'deferred']);
    expect(() => fold(sessionDecider, [...history, deferred('i-9', 'c-9')])).toThrow(
      `Session ${SID} has no agenda item i-9`,
    );
    expect(() => fold(sessionDecider, [...history, decided('approve', 'review', 'i-9', 'c-9')])).toThrow(
      /no agenda item i-9/,
    );
  });
});

// --- the minutes --------------------------------------------------------------------------------

describe('ApproveMinutes and RecordMinutesAddendum', () => {
  const closedSession = histories.closed;

  it("records each delegation's approval of the hash, and the adoption with the last one", () => {
    given(...closedSession)
      .when(approveMinutes(HASH_A))
      .then([approved('MA')]);
    const state = given(...closedSession, approved('MA'))
      .when(approveMinutes(HASH_A, [], qaDelegate))
      .then([approved('QA'), adopted()]);
    expect(state.status === 'closed' && state.documents).toEqual([
      { number: 0, text: null, approvals: { MA: HASH_A, QA: HASH_A }, adopted: HASH_A },
    ]);
  });

  it('refuses a hash that is not the minutes as they stand, a malformed one, twice the same party, and after adoption', () => {
    given(...closedSession)
      .when(approveMinutes(HASH_B))
      .thenThrows(RuleViolatedError, { rule: 'content-hash-current' });
    given(...closedSession)
      .when(approveMinutes('A'.repeat(64)))
      .thenThrows(RuleViolatedError, { rule: 'content-hash-valid' });
    given(...closedSession, approved('MA'))
      .when(approveMinutes(HASH_A))
      .thenThrows(RuleViolatedError, { rule: 'document-already-approved' });
    given(...closedSession, approved('MA'), approved('QA'), adopted())
      .when(approveMinutes(HASH_A))
      .thenThrows(RuleViolatedError, { rule: 'document-already-adopted' });
  });

  it('takes approvals only from a delegate, for its own party, once the session is closed', () => {
    given(...closedSession)
      .when({ ...approveMinutes(HASH_A), context: ctx(secretariat) })
      .thenThrows(ForbiddenError, { command: 'ApproveMinutes' });
    given(...histories.open)
      .when(approveMinutes(HASH_A))
      .thenThrows(IllegalTransitionError, { state: 'open', command: 'ApproveMinutes' });
    const outsider: Actor = { id: 'fr-delegate', role: 'delegate', party: 'FR' };
    given(...closedSession)
      .when(approveMinutes(HASH_A, [], outsider))
      .thenThrows(ForbiddenError, { command: 'ApproveMinutes' });
  });

  it('corrects adopted minutes by an addendum, adopted on its own, the minutes staying as adopted', () => {
    const adoptedSession = [...closedSession, approved('MA'), approved('QA'), adopted()];
    given(...closedSession, approved('MA'))
      .when(addendum())
      .thenThrows(RuleViolatedError, { rule: 'minutes-adopted-first' });
    const recorded: SessionEvent = {
      type: 'MinutesAddendumRecorded',
      data: {
        sessionId: SID,
        document: 1,
        text: 'Item i-1: the note of QA reads "two years", not "three".',
        corrects: HASH_A,
      },
    };
    given(...adoptedSession)
      .when(addendum())
      .then([recorded]);
    given(...adoptedSession)
      .when(addendum('  '))
      .thenThrows(RuleViolatedError, { rule: 'addendum-text-required' });
    given(...adoptedSession)
      .when(addendum('x'.repeat(20_001)))
      .thenThrows(RuleViolatedError, { rule: 'addendum-text-length' });
    given(...adoptedSession, recorded)
      .when(approveMinutes(HASH_B, [HASH_B]))
      .then([approved('MA', 1, HASH_B)]);
    const state = given(...adoptedSession, recorded, approved('MA', 1, HASH_B))
      .when(approveMinutes(HASH_B, [HASH_B], qaDelegate))
      .then([approved('QA', 1, HASH_B), adopted(1, HASH_B)]);
    expect(state.status === 'closed' && state.documents.map((d) => d.adopted)).toEqual([HASH_A, HASH_B]);
    // A second addendum corrects the minutes again, not the first addendum.
    given(...adoptedSession, recorded)
      .when(approveMinutes(HASH_C, [HASH_B]))
      .thenThrows(RuleViolatedError, { rule: 'content-hash-current' });
  });
});

describe('AttachSessionDocument', () => {
  const attached: SessionEvent = {
    type: 'SessionDocumentAttached',
    data: { sessionId: SID, title: 'Signed roll', sha256: FILE, size: 2048, mediaType: 'application/pdf' },
  };

  it('attaches a stored file by its hash, once, by the secretariat', () => {
    const state = given(...histories.open)
      .when(attach())
      .then([attached]);
    expect(state.status !== 'none' && state.attachments).toEqual([
      { title: 'Signed roll', sha256: FILE, size: 2048, mediaType: 'application/pdf' },
    ]);
    given(...histories.open, attached)
      .when(attach({ title: 'Again' }))
      .thenThrows(RuleViolatedError, { rule: 'document-already-attached' });
    given(...histories.open)
      .when(attach({}, maDelegate))
      .thenThrows(ForbiddenError, { command: 'AttachSessionDocument' });
  });

  it.each([
    [{ title: ' ' }, 'document-title-required'],
    [{ title: 'x'.repeat(301) }, 'document-title-required'],
    [{ sha256: 'F'.repeat(64) }, 'document-hash-valid'],
    [{ size: 0 }, 'document-stored'],
    [{ mediaType: '' }, 'document-stored'],
  ])('refuses %j (%s)', (patch, rule) => {
    given(...histories.scheduled)
      .when(attach(patch))
      .thenThrows(RuleViolatedError, { rule });
  });
});
