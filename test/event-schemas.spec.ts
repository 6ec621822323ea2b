import { randomUUID } from 'node:crypto';
import { eventSchemaUri } from '@accord/audit';
import { loadEventSchemas } from '@accord/audit/testing/cloudevents-check';
import {
  agendaItemKinds,
  agendaItemToCommitmentCommand,
  commitmentContextOf,
  decideSession,
  decisionToCommitmentCommand,
  deferralToCommitmentCommand,
  evolveSession,
  initialSessionState,
  positionOptions,
  sessionEventTypes,
  type PartyNote,
  type Session,
  type SessionCommand,
  type SessionEvent,
} from '@accord/committee';
import {
  agreementContextOf,
  agreementEventTypes,
  commitmentEventTypes,
  decideAgreement,
  decideCommitment,
  evaluationOutcomes,
  evolveAgreement,
  evolveCommitment,
  initialAgreementState,
  initialCommitmentState,
  priorities,
  type Actor,
  type Agreement,
  type AgreementCommand,
  type AgreementEvent,
  type Commitment,
  type CommitmentCommand,
  type CommitmentEvent,
  type Evidence,
  type Party,
  type ProposalChanges,
} from '@accord/commitments';
import { PUBLISHED_EVENT_SCHEMAS } from '../apps/cli/src/export.command';

/**
 * The schemas under schemas/events are written by hand (no generator from TypeScript types is
 * among the project's packages). This suite keeps them and the deciders' event types in step:
 * one file per type the deciders can emit and no other; the keys of every event's data, as
 * the compiler reads them from the types, are the schema's properties and required list; the
 * enums are the domain's lists; a lifecycle that makes the deciders emit every type validates
 * event by event; and every schema refuses a body that lacks a required field or has one more.
 */
type AccordEvent = AgreementEvent | CommitmentEvent | SessionEvent;
type AccordEventType = AccordEvent['type'];
type DataOf<T extends AccordEventType> = Extract<AccordEvent, { type: T }>['data'];
/** Every key of T, each marked as T declares it: the compiler refuses a missing, unknown or wrongly marked key. */
type Keys<T> = { readonly [K in keyof T]-?: object extends Pick<T, K> ? 'optional' : 'required' };

const r = 'required' as const;
const trace = { sessionId: r, decisionId: r };
const DATA_KEYS: { readonly [T in AccordEventType]: Keys<DataOf<T>> } = {
  AgreementRegistered: { agreementId: r, title: r, signedAt: r, signedIn: r, parties: r, domains: r },
  AgreementDomainsAmended: { agreementId: r, domains: r, added: r, removed: r },
  CommitmentProposed: {
    commitmentId: r,
    agreementId: r,
    title: r,
    description: r,
    domain: r,
    leadAgencies: r,
    dueDate: r,
    priority: r,
    proposingParty: r,
  },
  CommitmentRevised: { commitmentId: r, changes: r },
  CommitmentWithdrawn: { commitmentId: r, reason: r },
  CommitmentPlacedOnAgenda: { commitmentId: r, sessionId: r, itemId: r },
  CommitmentApproved: { commitmentId: r, ...trace, note: r },
  CommitmentRejected: { commitmentId: r, ...trace, reason: r },
  CommitmentChangesRequested: { commitmentId: r, ...trace, requestedChanges: r },
  CommitmentDeferred: { commitmentId: r, ...trace, from: r, reason: r },
  CommitmentStarted: { commitmentId: r },
  ProgressReported: { commitmentId: r, percent: r, narrative: r, evidence: r },
  CommitmentCompleted: { commitmentId: r, summary: r, evidence: r },
  CommitmentEvaluated: { commitmentId: r, ...trace, outcome: r, notes: r },
  DueDateExtended: { commitmentId: r, ...trace, previousDueDate: r, dueDate: r, reason: r },
  CommitmentSuspended: { commitmentId: r, ...trace, from: r, reason: r },
  CommitmentResumed: { commitmentId: r, ...trace, to: r, reason: r },
  CommitmentReopened: { commitmentId: r, ...trace, reason: r },
  CommitmentBecameOverdue: { commitmentId: r, dueDate: r },
  CommitmentClosed: { commitmentId: r, note: r },
  SessionScheduled: { sessionId: r, agreementId: r, scheduledFor: r, venue: r, parties: r },
  AgendaItemAdded: { sessionId: r, itemId: r, commitmentId: r, kind: r, proposedDueDate: r },
  SessionOpened: { sessionId: r, attendance: r },
  PositionRecorded: { sessionId: r, itemId: r, party: r, position: r, note: r },
  DecisionReached: {
    sessionId: r,
    decisionId: r,
    itemId: r,
    commitmentId: r,
    kind: r,
    outcome: r,
    proposedDueDate: r,
    notes: r,
  },
  ItemDeferred: { sessionId: r, itemId: r, commitmentId: r, kind: r },
  SessionClosed: { sessionId: r, decided: r, deferred: r },
  MinutesApproved: { sessionId: r, document: r, contentHash: r, party: r },
  MinutesAdopted: { sessionId: r, document: r, contentHash: r, parties: r },
  MinutesAddendumRecorded: { sessionId: r, document: r, text: r, corrects: r },
  SessionDocumentAttached: { sessionId: r, title: r, sha256: r, size: r, mediaType: r },
};
const o = 'optional' as const;
const CHANGES_KEYS: Keys<ProposalChanges> = {
  title: o,
  description: o,
  domain: o,
  leadAgencies: o,
  dueDate: o,
  priority: o,
};
const PARTY_KEYS: Keys<Party> = { code: r, name: r, agencies: r };
const EVIDENCE_KEYS: Keys<Evidence> = { title: r, uri: r, sha256: o, size: o };
const NOTE_KEYS: Keys<PartyNote> = { party: r, note: r };

interface Schema {
  readonly $id: string;
  readonly properties: Record<string, Schema & { $ref?: string; enum?: unknown[]; items?: Schema }>;
  readonly required?: string[];
  readonly $defs?: Record<string, Schema & { enum?: unknown[] }>;
  readonly items?: Schema;
  readonly allOf?: Schema[];
}

const schemas = loadEventSchemas();
const fileOf = (type: string) => `${type}.v1.json`;
const schemaOf = (type: string) => schemas.files.get(fileOf(type)) as unknown as Schema;
/** A property's schema, through one $ref into the file's $defs (and an allOf's first member). */
function resolved(schema: Schema, property: Schema & { $ref?: string }): Schema & { enum?: unknown[] } {
  const local = property.$ref === undefined ? property : schema.$defs![property.$ref.replace('#/$defs/', '')];
  return local.allOf ? resolved(schema, local.allOf[0]) : local;
}
const required = (keys: Record<string, string>) =>
  Object.entries(keys)
    .filter(([, mark]) => mark === 'required')
    .map(([key]) => key)
    .sort();

const ALL_TYPES: string[] = [...agreementEventTypes, ...commitmentEventTypes, ...sessionEventTypes];

describe('the event schemas (schemas/events) and the event types', () => {
  it('has one schema per event type the deciders emit, named and identified as dataschema names it', () => {
    expect(ALL_TYPES).toHaveLength(31);
    expect([...schemas.files.keys()].sort()).toEqual(ALL_TYPES.map(fileOf).sort());
    expect([...PUBLISHED_EVENT_SCHEMAS].sort()).toEqual([...ALL_TYPES].sort());
    expect(Object.keys(DATA_KEYS).sort()).toEqual([...ALL_TYPES].sort());
    for (const type of ALL_TYPES) {
      const schema = schemas.files.get(fileOf(type))!;
      expect(schema).toMatchObject({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        $id: eventSchemaUri(type, 1),
        type: 'object',
        additionalProperties: false,
      });
      expect(schemas.byId.has(eventSchemaUri(type, 1))).toBe(true);
    }
  });

  it("lists exactly the keys of each type's data as its properties, the required ones as required", () => {
    for (const type of ALL_TYPES) {
      const keys = DATA_KEYS[type as AccordEventType] as Record<string, string>;
      const schema = schemaOf(type);
      expect({ type, properties: Object.keys(schema.properties).sort() }).toEqual({
        type,
        properties: Object.keys(keys).sort(),
      });
      expect({ type, required: [...(schema.required ?? [])].sort() }).toEqual({ type, required: required(keys) });
    }
    const changes = resolved(schemaOf('CommitmentRevised'), schemaOf('CommitmentRevised').properties.changes);
    expect(Object.keys(changes.properties).sort()).toEqual(Object.keys(CHANGES_KEYS).sort());
    expect(changes.required).toBeUndefined();
    const registered = schemaOf('AgreementRegistered');
    const party = resolved(registered, registered.properties.parties).items!;
    expect(Object.keys(party.properties).sort()).toEqual(Object.keys(PARTY_KEYS).sort());
    expect([...party.required!].sort()).toEqual(required(PARTY_KEYS));
    for (const type of ['ProgressReported', 'CommitmentCompleted']) {
      const evidence = resolved(schemaOf(type), schemaOf(type).properties.evidence).items!;
      expect(Object.keys(evidence.properties).sort()).toEqual(Object.keys(EVIDENCE_KEYS).sort());
      expect([...evidence.required!].sort()).toEqual(required(EVIDENCE_KEYS));
    }
    const note = resolved(schemaOf('DecisionReached'), schemaOf('DecisionReached').properties.notes).items!;
    expect(Object.keys(note.properties).sort()).toEqual(Object.keys(NOTE_KEYS).sort());
  });

  it("takes its enums from the domain's lists", () => {
    const enumOf = (type: string, property: string) =>
      [...resolved(schemaOf(type), schemaOf(type).properties[property]).enum!].sort();
    expect(enumOf('CommitmentProposed', 'priority')).toEqual([...priorities].sort());
    expect(enumOf('CommitmentEvaluated', 'outcome')).toEqual([...evaluationOutcomes].sort());
    expect(enumOf('AgendaItemAdded', 'kind')).toEqual([...agendaItemKinds].sort());
    expect(enumOf('DecisionReached', 'kind')).toEqual([...agendaItemKinds].sort());
    const positions = [...new Set(Object.values(positionOptions).flat())].sort();
    expect(enumOf('PositionRecorded', 'position')).toEqual(positions);
    expect(enumOf('DecisionReached', 'outcome')).toEqual(positions);
  });

  describe('a lifecycle through the deciders that emits every event type', () => {
    const emitted = runLifecycle();

    it('emits every type, and every event validates against its schema', () => {
      expect([...new Set(emitted.map((e) => e.type))].sort()).toEqual([...ALL_TYPES].sort());
      const violations = emitted.flatMap((event) =>
        schemas.violations(eventSchemaUri(event.type, 1), event.data).map((v) => `${event.type}: ${v}`),
      );
      expect(violations).toEqual([]);
      expect(emitted.length).toBeGreaterThan(40);
    });

    it('has every schema refuse a body without a required field, with an unknown field, or of the wrong type', () => {
      let refusals = 0;
      for (const type of ALL_TYPES) {
        const sample = emitted.find((e) => e.type === type)!.data as Record<string, unknown>;
        const id = eventSchemaUri(type, 1);
        expect(schemas.violations(id, sample)).toEqual([]);
        for (const key of schemaOf(type).required!) {
          const { [key]: _missing, ...without } = sample;
          expect({ type, key, violations: schemas.violations(id, without).length > 0 }).toEqual({
            type,
            key,
            violations: true,
          });
          refusals++;
        }
        expect(schemas.violations(id, { ...sample, unexpected: 1 })).not.toEqual([]);
        const [first] = Object.keys(sample);
        expect(schemas.violations(id, { ...sample, [first]: 42 })).not.toEqual([]);
        expect(schemas.violations(id, [])).not.toEqual([]);
      }
      expect(refusals).toBeGreaterThan(100);
    });

    it('refuses values the deciders never write', () => {
      const proposed = emitted.find((e) => e.type === 'CommitmentProposed')!.data as unknown as Record<string, unknown>;
      const id = eventSchemaUri('CommitmentProposed', 1);
      for (const [key, value] of [
        ['dueDate', '2031-02-30'],
        ['priority', 'urgent'],
        ['title', '   '],
        ['leadAgencies', []],
        ['proposingParty', 'ma'],
      ] as const) {
        expect({ key, ok: schemas.violations(id, { ...proposed, [key]: value }).length === 0 }).toEqual({
          key,
          ok: false,
        });
      }
      const added = emitted.find((e) => e.type === 'AgendaItemAdded' && e.data.kind === 'review')!.data;
      expect(
        schemas.violations(eventSchemaUri('AgendaItemAdded', 1), { ...added, proposedDueDate: '2031-01-01' }),
      ).not.toEqual([]);
      const progress = emitted.find((e) => e.type === 'ProgressReported')!.data;
      expect(schemas.violations(eventSchemaUri('ProgressReported', 1), { ...progress, percent: 101 })).not.toEqual([]);
    });
  });
});

/**
 * Two agreements' worth of work, decided by the deciders and carried from the committee to the
 * commitments by the process manager's own mappings, as the API does; returns every event.
 */
function runLifecycle(): AccordEvent[] {
  const emitted: AccordEvent[] = [];
  const agreements = new Map<string, Agreement>();
  const commitments = new Map<string, Commitment>();
  const sessions = new Map<string, Session>();
  let now = '2030-01-10T09:00:00.000Z';
  const secretariat: Actor = { id: 'secretary-1', role: 'secretariat' };
  const committee: Actor = { id: 'committee', role: 'system' };
  const ma: Actor = { id: 'dgsn-gateway', role: 'integration', party: 'MA' };
  const delegates: Record<string, Actor> = {
    MA: { id: 'ma-delegation', role: 'delegate', party: 'MA' },
    QA: { id: 'qa-delegation', role: 'delegate', party: 'QA' },
  };

  const agreement = (command: Omit<AgreementCommand, 'context'>, actor = secretariat) => {
    const id = command.data.agreementId;
    const state = agreements.get(id) ?? initialAgreementState;
    const events = decideAgreement({ ...command, context: { actor, now } } as AgreementCommand, state);
    agreements.set(id, events.reduce(evolveAgreement, state));
    emitted.push(...events);
  };
  const commitment = (command: Omit<CommitmentCommand, 'context'>, actor: Actor = ma) => {
    const id = command.data.commitmentId;
    const state = commitments.get(id) ?? initialCommitmentState;
    const events = decideCommitment({ ...command, context: { actor, now } } as CommitmentCommand, state);
    commitments.set(id, events.reduce(evolveCommitment, state));
    emitted.push(...events);
  };
  const session = (command: Omit<SessionCommand, 'context'>, actor: Actor = secretariat) => {
    const id = command.data.sessionId;
    const state = sessions.get(id) ?? initialSessionState;
    const events = decideSession({ ...command, context: { actor, now } } as SessionCommand, state);
    sessions.set(id, events.reduce(evolveSession, state));
    emitted.push(...events);
    // The process manager: each session event that moves a commitment, as a command from the committee.
    for (const event of events) {
      const intent =
        event.type === 'AgendaItemAdded'
          ? agendaItemToCommitmentCommand(event.data)
          : event.type === 'DecisionReached'
            ? decisionToCommitmentCommand(event.data)
            : event.type === 'ItemDeferred'
              ? deferralToCommitmentCommand(event.data)
              : null;
      if (intent !== null) commitment(intent, committee);
    }
  };
  const context = (id: string) => agreementContextOf(agreements.get(id)!, id);
  const of = (id: string) => commitmentContextOf(commitments.get(id)!, id);

  const agreementId = randomUUID();
  agreement({
    type: 'RegisterAgreement',
    data: {
      agreementId,
      title: 'Security cooperation « 2014 »',
      signedAt: '2014-03-11',
      signedIn: 'Rabat',
      parties: [
        { code: 'MA', name: 'Kingdom of Morocco', agencies: ['DGSN', 'DGST'] },
        { code: 'QA', name: 'State of Qatar', agencies: [] },
      ],
      domains: ['cybercrime', 'counter-terrorism'],
    },
  });
  agreement({
    type: 'AmendAgreementDomains',
    data: { agreementId, domains: ['cybercrime', 'border security'] },
  });
  const [c1, c2, c3, c4, c5] = Array.from({ length: 5 }, () => randomUUID());
  for (const [i, id] of [c1, c2, c3, c4, c5].entries()) {
    commitment({
      type: 'ProposeCommitment',
      data: {
        commitmentId: id,
        agreementId,
        title: `Commitment ${i}`,
        description: i === 0 ? '' : `Described ${i}`,
        domain: 'cybercrime',
        leadAgencies: ['DGSN'],
        ...(i === 0 ? { dueDate: '2030-06-30', priority: 'high' as const } : {}),
        agreement: context(agreementId),
      },
    });
  }
  commitment({
    type: 'ReviseCommitment',
    data: { commitmentId: c1, description: 'Revised', leadAgencies: ['DGSN', 'DGST'], agreement: context(agreementId) },
  });
  commitment({
    type: 'ReviseCommitment',
    data: { commitmentId: c2, dueDate: '2030-09-30', priority: 'low', agreement: context(agreementId) },
  });
  commitment({ type: 'WithdrawCommitment', data: { commitmentId: c5, reason: 'No longer needed' } });

  const decide = (sessionId: string, itemId: string, position: string, notes: Record<string, string> = {}) => {
    for (const party of ['MA', 'QA']) {
      session(
        {
          type: 'RecordPosition',
          data: { sessionId, itemId, position: position as never, ...(notes[party] ? { note: notes[party] } : {}) },
        },
        delegates[party],
      );
    }
  };
  const item = (sessionId: string, commitmentId: string, kind: string, proposedDueDate?: string) => {
    const itemId = randomUUID();
    session({
      type: 'AddAgendaItem',
      data: {
        sessionId,
        itemId,
        commitmentId,
        kind: kind as never,
        ...(proposedDueDate ? { proposedDueDate } : {}),
        commitment: of(commitmentId),
      },
    });
    return itemId;
  };
  const schedule = () => {
    const sessionId = randomUUID();
    session({
      type: 'ScheduleSession',
      data: {
        sessionId,
        agreementId,
        scheduledFor: '2030-02-01T09:00:00Z',
        venue: 'Doha',
        agreement: context(agreementId),
      },
    });
    return sessionId;
  };

  // A review session: approved, rejected, changes requested, and one item left to the next.
  const s1 = schedule();
  const reviews = [c1, c2, c3, c4].map((id) => item(s1, id, 'review'));
  session({ type: 'OpenSession', data: { sessionId: s1, attendance: ['QA', 'MA'] } });
  session({ type: 'RecordPosition', data: { sessionId: s1, itemId: reviews[0], position: 'reject' } }, delegates.MA);
  decide(s1, reviews[0], 'approve', { MA: 'Agreed', QA: 'Agreed too' });
  decide(s1, reviews[2], 'reject');
  decide(s1, reviews[3], 'request_changes', { QA: 'Name the agencies' });
  session({ type: 'CloseSession', data: { sessionId: s1 } });
  // Both delegations adopt the minutes, then an addendum corrects them.
  const minutes = { minutes: 'a'.repeat(64), addenda: [] as string[] };
  for (const party of ['MA', 'QA'] as const) {
    session(
      { type: 'ApproveMinutes', data: { sessionId: s1, contentHash: minutes.minutes, documents: minutes } },
      delegates[party],
    );
  }
  session({
    type: 'AttachSessionDocument',
    data: { sessionId: s1, title: 'Signed roll', sha256: 'e'.repeat(64), size: 1024, mediaType: 'application/pdf' },
  });
  session({ type: 'RecordMinutesAddendum', data: { sessionId: s1, text: 'Item 2: the vote was unanimous.' } });

  // c1 under way; the committee extends, suspends and resumes it.
  commitment({ type: 'StartCommitment', data: { commitmentId: c1 } });
  commitment({
    type: 'ReportProgress',
    data: {
      commitmentId: c1,
      percent: 37.5,
      narrative: 'Under way',
      evidence: [{ title: 'Report', uri: 'https://example.org/r' }],
    },
  });
  commitment({ type: 'ReportProgress', data: { commitmentId: c1, percent: 40, narrative: 'Still' } });
  const s2 = schedule();
  session({ type: 'OpenSession', data: { sessionId: s2, attendance: ['MA', 'QA'] } });
  decide(s2, item(s2, c1, 'extension', '2030-12-31'), 'grant', { MA: 'More time' });
  decide(s2, item(s2, c1, 'suspension'), 'grant');
  decide(s2, item(s2, c1, 'resumption'), 'grant');
  decide(s2, item(s2, c1, 'suspension'), 'deny');
  session({ type: 'CloseSession', data: { sessionId: s2 } });

  // The due date passes; c1 is completed, evaluated, reopened, completed again, evaluated, closed.
  now = '2031-01-05T00:00:00.000Z';
  commitment({ type: 'MarkOverdue', data: { commitmentId: c1 } }, committee);
  const evidence = [{ title: 'Final report', uri: 'urn:accord:report:1' }];
  commitment({ type: 'CompleteCommitment', data: { commitmentId: c1, summary: 'Done', evidence } });
  const s3 = schedule();
  session({ type: 'OpenSession', data: { sessionId: s3, attendance: ['MA', 'QA'] } });
  decide(s3, item(s3, c1, 'evaluation'), 'partially_achieved', { QA: 'Half' });
  decide(s3, item(s3, c1, 'reopening'), 'grant');
  commitment({ type: 'CompleteCommitment', data: { commitmentId: c1, summary: 'Done now', evidence } });
  decide(s3, item(s3, c1, 'evaluation'), 'achieved');
  item(s3, c2, 'review');
  session({ type: 'CloseSession', data: { sessionId: s3 } });
  commitment({ type: 'CloseCommitment', data: { commitmentId: c1, note: 'Closed' } }, secretariat);
  return emitted;
}
