import {
  agreementIdOf,
  commitmentIdOf,
  evolveAgreement,
  evolveCommitment,
  initialAgreementState,
  initialCommitmentState,
  type Agreement,
  type AgreementEvent,
  type Commitment,
  type CommitmentEvent,
} from '@accord/commitments';
import { evolveSession, initialSessionState, sessionIdOf, type Session, type SessionEvent } from '@accord/committee';
import { recordedAs, type RecordedEvent } from '@accord/event-store';
import { jsonColumn, type Projection, type Row, type Rows } from '@accord/projection-runner';
import {
  evolveCommitmentRecord,
  initialCommitmentRecord,
  occurredAt,
  type CommitmentRecord,
} from './commitments.projection';

/**
 * Time travel without replaying the world (issue 20, decision 0039). The state of a stream
 * or of an agreement's dashboard at a revision or an instant used to be folded from the
 * first event; on a million-event log that is seconds. This read model keeps, as it follows
 * the log, what lets those answers start near their cutoff instead:
 *
 * - `commitment_snapshots`: a commitment's folded state (the decider's and the read
 *   model's record) every SNAPSHOT_EVERY revisions, with the latest instant among the
 *   events folded so far, so that `?asOf=` uses a snapshot only when no event folded into
 *   it lies after the instant. GET /commitments/{id}/state starts from the nearest snapshot
 *   and reads the rest of the stream from the store. The evidence list only grows, and
 *   grows with the stream: each snapshot keeps the evidence reported since the one before
 *   (`evidence`), and a read puts the list back together from the snapshots up to its own,
 *   so that neither the rows nor the state carried from batch to batch grow with it.
 * - `commitment_facts`: what the dashboard shows of a commitment (status, domain, party,
 *   overdue, title, due date), one row per change, by position; `session_snapshots` and
 *   `agreement_births` the same for sessions and agreements.
 * - `log_blocks`: per block of LOG_BLOCK positions, the latest instant of the log up to the
 *   block's end. The replay stops at the first event after the instant, so the block where
 *   that running maximum first passes the instant holds the cutoff: one block is read.
 *
 * Nothing here is evidence: audit verify never reads it, and a snapshot is only a place to
 * start folding from (a test checks every revision against a full replay).
 */
export const SNAPSHOT_EVERY = 25;
export const LOG_BLOCK = 1024;

/** What a commitment snapshot holds: the fold of its events up to `revision`. */
export interface CommitmentSnapshot {
  readonly state: Commitment;
  readonly record: CommitmentRecord;
  /** The first event's time (the commitments read model's created_at). */
  readonly createdAt: string;
  /** The time of the event at `revision` (updated_at). */
  readonly updatedAt: string;
}

/** What the dashboard shows of a commitment. */
export interface CommitmentFacts {
  readonly status: string;
  readonly domain: string;
  readonly party: string;
  readonly overdue: boolean;
  readonly title: string;
  readonly dueDate: string | null;
}

interface CommitmentTravel {
  /** The fold so far; its record's evidence is only what was reported since the last snapshot. */
  snapshot: CommitmentSnapshot;
  /** The latest instant among the events folded (null when none was a date). */
  maxInstant: number | null;
  /** The facts last written, so that a row is written only when they change. */
  facts: CommitmentFacts;
}

interface LogTravel {
  block: number;
  firstPosition: number;
  lastPosition: number;
  /** The latest instant of the log up to lastPosition. */
  prefixMax: number | null;
}

const STATE = 'travel_state';
const LOG_KEY = '$log';
const commitmentKey = (id: string) => `c:${id}`;
const sessionKey = (id: string) => `s:${id}`;
const agreementKey = (id: string) => `a:${id}`;

/** Milliseconds of the event's instant, as time travel reads it (eventTime of @accord/audit). */
const instantOf = (event: RecordedEvent): number => Date.parse(occurredAt(event));

/** The larger of a running maximum and an instant; an instant that is not a date (NaN) changes nothing. */
const later = (max: number | null, instant: number): number | null =>
  instant > (max ?? Number.NEGATIVE_INFINITY) ? instant : max;

function factsOf(state: Commitment & { status: Exclude<Commitment['status'], 'none'> }): CommitmentFacts {
  return {
    status: state.status,
    domain: state.domain,
    party: state.owner,
    overdue: state.overdueFor !== null,
    title: state.title,
    dueDate: state.dueDate,
  };
}

const sameFacts = (a: CommitmentFacts | undefined, b: CommitmentFacts): boolean =>
  a !== undefined &&
  a.status === b.status &&
  a.domain === b.domain &&
  a.party === b.party &&
  a.overdue === b.overdue &&
  a.title === b.title &&
  a.dueDate === b.dueDate;

function followLog(event: RecordedEvent, rows: Rows): void {
  const block = Math.floor(event.position / LOG_BLOCK);
  const before = jsonColumn<LogTravel | undefined>(rows.get(STATE, LOG_KEY), 'state', undefined);
  const log: LogTravel = {
    block,
    firstPosition: before && before.block === block ? before.firstPosition : event.position,
    lastPosition: event.position,
    prefixMax: later(before?.prefixMax ?? null, instantOf(event)),
  };
  rows.put(STATE, { id: LOG_KEY, state: log });
  rows.put('log_blocks', {
    block,
    first_position: log.firstPosition,
    last_position: log.lastPosition,
    prefix_max: log.prefixMax,
  });
}

function followCommitment(id: string, event: RecordedEvent, rows: Rows): void {
  const key = commitmentKey(id);
  const row: Row | undefined = rows.get(STATE, key);
  const before = jsonColumn<CommitmentTravel | undefined>(row, 'state', undefined);
  const state = evolveCommitment(before?.snapshot.state ?? initialCommitmentState, recordedAs<CommitmentEvent>(event));
  if (state.status === 'none') return;
  const at = occurredAt(event);
  const travel: CommitmentTravel = {
    snapshot: {
      state,
      record: evolveCommitmentRecord(before?.snapshot.record ?? initialCommitmentRecord, event),
      createdAt: before?.snapshot.createdAt ?? at,
      updatedAt: at,
    },
    maxInstant: later(before?.maxInstant ?? null, instantOf(event)),
    facts: factsOf(state),
  };
  rows.put(STATE, { id: key, state: travel });
  // Compared field by field: most events (progress reports) change none of them.
  if (!sameFacts(before?.facts, travel.facts)) {
    rows.put('commitment_facts', {
      agreement_id: state.agreementId,
      commitment_id: id,
      position: event.position,
      facts: travel.facts,
    });
  }
  if ((event.revision + 1) % SNAPSHOT_EVERY === 0) {
    const { evidence, ...record } = travel.snapshot.record;
    rows.put('commitment_snapshots', {
      commitment_id: id,
      revision: event.revision,
      position: event.position,
      max_instant: travel.maxInstant,
      snapshot: { ...travel.snapshot, record: { ...record, evidence: [] } },
      evidence,
    });
    // The next snapshot keeps only what is reported after this one.
    rows.put(STATE, {
      id: key,
      state: { ...travel, snapshot: { ...travel.snapshot, record: { ...record, evidence: [] } } },
    });
  }
}

function followSession(id: string, event: RecordedEvent, rows: Rows): void {
  const key = sessionKey(id);
  const before = jsonColumn<Session>(rows.get(STATE, key), 'state', initialSessionState);
  const state = evolveSession(before, recordedAs<SessionEvent>(event));
  if (state.status === 'none') return;
  rows.put(STATE, { id: key, state });
  rows.put('session_snapshots', {
    agreement_id: state.agreementId,
    session_id: id,
    position: event.position,
    status: state.status,
    state,
  });
}

function followAgreement(id: string, event: RecordedEvent, rows: Rows): void {
  const key = agreementKey(id);
  const row = rows.get(STATE, key);
  if (row) return; // born already: the dashboard needs only that it exists
  let state: Agreement;
  try {
    state = evolveAgreement(initialAgreementState as Agreement, recordedAs<AgreementEvent>(event));
  } catch {
    // An event on an agreement that was never registered (only one written past the API)
    // stops the agreements read model for an operator to skip (decision 0012); here it is
    // simply not a registration, so that it does not stop time travel as well.
    return;
  }
  if (state.status === 'none') return;
  rows.put(STATE, { id: key, state: { bornAt: event.position } });
  rows.put('agreement_births', { agreement_id: id, position: event.position });
}

export const timeTravelProjection: Projection = {
  name: 'time-travel',
  version: 1,
  tables: [
    { name: STATE, key: ['id'], columns: { id: 'text', state: 'text' } },
    {
      name: 'commitment_snapshots',
      key: ['commitment_id', 'revision'],
      columns: {
        commitment_id: 'text',
        revision: 'bigint',
        position: 'bigint',
        max_instant: 'bigint',
        snapshot: 'text',
        evidence: 'text',
      },
    },
    {
      name: 'commitment_facts',
      key: ['commitment_id', 'position'],
      columns: { agreement_id: 'text', commitment_id: 'text', position: 'bigint', facts: 'text' },
      indexes: [['agreement_id', 'commitment_id', 'position']],
    },
    {
      name: 'session_snapshots',
      key: ['session_id', 'position'],
      columns: { agreement_id: 'text', session_id: 'text', position: 'bigint', status: 'text', state: 'text' },
      indexes: [['agreement_id', 'session_id', 'position']],
    },
    { name: 'agreement_births', key: ['agreement_id'], columns: { agreement_id: 'text', position: 'bigint' } },
    {
      name: 'log_blocks',
      key: ['block'],
      columns: { block: 'bigint', first_position: 'bigint', last_position: 'bigint', prefix_max: 'bigint' },
      indexes: [['prefix_max', 'block']],
    },
  ],
  reads(event) {
    const commitmentId = commitmentIdOf(event.streamId);
    if (commitmentId)
      return [
        [STATE, LOG_KEY],
        [STATE, commitmentKey(commitmentId)],
      ] as const;
    const sessionId = sessionIdOf(event.streamId);
    if (sessionId)
      return [
        [STATE, LOG_KEY],
        [STATE, sessionKey(sessionId)],
      ] as const;
    const agreementId = agreementIdOf(event.streamId);
    if (agreementId)
      return [
        [STATE, LOG_KEY],
        [STATE, agreementKey(agreementId)],
      ] as const;
    return [[STATE, LOG_KEY]] as const;
  },
  apply(event, rows) {
    followLog(event, rows);
    const commitmentId = commitmentIdOf(event.streamId);
    if (commitmentId) return followCommitment(commitmentId, event, rows);
    const sessionId = sessionIdOf(event.streamId);
    if (sessionId) return followSession(sessionId, event, rows);
    const agreementId = agreementIdOf(event.streamId);
    if (agreementId) return followAgreement(agreementId, event, rows);
  },
};
