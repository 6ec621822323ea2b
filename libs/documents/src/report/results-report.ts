import { eventInstant, eventTime, parseInstant } from '@accord/audit';
import {
  agreementStreamId,
  commitmentIdOf,
  commitmentStatuses,
  evaluationOutcomes,
  evolveAgreement,
  evolveCommitment,
  initialAgreementState,
  initialCommitmentState,
  type Agreement,
  type AgreementEvent,
  type Commitment,
  type CommitmentEvent,
  type CommitmentStatus,
  type EvaluationOutcome,
  type ExistingCommitment,
  type Priority,
} from '@accord/commitments';
import {
  evolveSession,
  initialSessionState,
  sessionIdOf,
  type AgendaItemKind,
  type Position,
  type Session,
  type SessionEvent,
} from '@accord/committee';
import { recordedAs, type RecordedEvent } from '@accord/event-store';

/**
 * The results report of an agreement for a period (docs/decisions/0031-the-results-report.md):
 * folded from the events themselves, with the deciders' own evolve, so that it says what the
 * log says and nothing a read model may have got wrong. Pure: the caller reads the streams.
 */

/** The Open Government Partnership's completion scale, lowest first. */
export type Grade = 'no_evidence' | 'not_started' | 'limited' | 'substantial' | 'complete';
export const grades: readonly Grade[] = ['no_evidence', 'not_started', 'limited', 'substantial', 'complete'];

export const PRIORITY_WEIGHTS: Readonly<Record<Priority, number>> = { low: 1, normal: 2, high: 3 };

/** Before approval, or never approved: nothing was undertaken yet, so nothing is graded. */
const UNGRADED: readonly CommitmentStatus[] = [
  'proposed',
  'under_review',
  'changes_requested',
  'withdrawn',
  'rejected',
];
/** Done, whatever was last reported: progress counts 100. */
const DONE: readonly CommitmentStatus[] = ['completed', 'evaluated', 'closed'];

export type EvaluationCount = Record<EvaluationOutcome | 'not_evaluated', number>;

export interface GroupFigures {
  /** Every commitment of the group, whatever its status. */
  total: number;
  byStatus: Record<CommitmentStatus, number>;
  /** The commitments graded (approved or later, not withdrawn or rejected): what the progress figures cover. */
  graded: number;
  /** Mean of the graded commitments' progress, 2 decimals; null when none is graded. */
  averageProgress: number | null;
  /** Mean weighted by priority (low 1, normal 2, high 3), 2 decimals; null when none is graded. */
  weightedProgress: number | null;
  grades: Record<Grade, number>;
  /** The group's grade, from its weighted progress with the commitments' thresholds; null when none is graded. */
  grade: Grade | null;
  /** Of the graded commitments: their evaluation outcome as of the period's end. */
  evaluation: EvaluationCount;
  overdue: number;
  /** Commitments whose due date was extended within the period. */
  extended: number;
}

export interface CommitmentRow {
  commitmentId: string;
  agreementId: string;
  title: string;
  domain: string;
  proposingParty: string;
  leadAgencies: string[];
  priority: Priority;
  status: CommitmentStatus;
  /** The progress the report counts: the last reported percent, 100 once completed. */
  progressPercent: number;
  /** The last percent reported, 0 when none was. */
  reportedPercent: number;
  grade: Grade | null;
  evaluationOutcome: EvaluationOutcome | null;
  dueDate: string | null;
  overdue: boolean;
  /** The due date it became overdue for, while overdue. */
  overdueFor: string | null;
  /** Every extension of its due date up to the period's end. */
  extensions: number;
  extensionsInPeriod: number;
  progressReports: number;
  evidenceCount: number;
  proposedAt: string;
  lastEventAt: string;
  /** The last revision of its stream the report folded. */
  revision: number;
}

export interface DecisionCount {
  kind: AgendaItemKind;
  outcome: Position;
  count: number;
}

export interface SessionFigures {
  sessionId: string;
  scheduledFor: string;
  venue: string;
  closedAt: string;
  attendance: string[];
  decided: number;
  decisions: DecisionCount[];
  deferred: number;
}

export interface TrendPoint {
  sessionId: string;
  closedAt: string;
  venue: string;
  /** Log position of the session's closing: the figures are as of it. */
  position: number;
  byStatus: Record<CommitmentStatus, number>;
  graded: number;
  averageProgress: number | null;
  weightedProgress: number | null;
  grades: Record<Grade, number>;
}

export interface ResultsReport {
  agreementId: string;
  agreementTitle: string;
  parties: { code: string; name: string }[];
  domains: string[];
  /** Normalised to instants; a date `from` is its day's start, a date `to` its day's end (UTC). */
  period: { from: string; to: string };
  /** The figures are as of this log position: the last event of the agreement's streams within the period's end. */
  generatedFrom: { position: number; lastEventAt: string | null; events: number };
  method: {
    weights: Record<Priority, number>;
    gradeThresholds: { limited: string; substantial: string; complete: string };
    notes: string[];
  };
  overall: GroupFigures;
  byDomain: ({ domain: string } & GroupFigures)[];
  byParty: ({ party: string } & GroupFigures)[];
  overdueItems: {
    commitmentId: string;
    title: string;
    domain: string;
    proposingParty: string;
    dueDate: string | null;
    overdueFor: string;
  }[];
  extendedItems: {
    commitmentId: string;
    title: string;
    domain: string;
    proposingParty: string;
    previousDueDate: string | null;
    dueDate: string;
    extendedAt: string;
  }[];
  sessions: SessionFigures[];
  trends: TrendPoint[];
  commitments: CommitmentRow[];
}

export const METHOD_NOTES: readonly string[] = [
  'Every figure is folded from the events of the agreement, its commitments and its sessions, in log order, up to the first event that occurred after the period end (metadata.occurredAt, else recordedAt).',
  'A commitment is graded once approved: proposed, under review, changes requested, withdrawn and rejected commitments are counted by status but not graded and left out of the progress figures and evaluations.',
  'Progress is the last percent reported (0 when none), and 100 once the commitment is completed, evaluated or closed.',
  'Weighted progress weighs each commitment by its priority: low 1, normal 2, high 3.',
  'Grades (Open Government Partnership scale), in this order: no_evidence when progress was reported or completion claimed without any evidence item; complete when completed, evaluated, closed or at 100%; not_started at 0%; limited below 50%; substantial from 50% to below 100%.',
  "A group's grade is its weighted progress graded with the same thresholds (no_evidence does not apply to a group).",
  'Averages are rounded to 2 decimals.',
  'Overdue: flagged by the deadline watcher and neither extended nor completed since, as of the period end. Extended: a due-date extension that occurred within the period.',
  'Sessions and trends: the sessions closed within the period, each trend point as of that session closing.',
];

export class ReportPeriodError extends Error {
  constructor(
    readonly field: 'from' | 'to',
    message: string,
  ) {
    super(message);
    this.name = 'ReportPeriodError';
  }
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** An ISO date (its day's start, or end when `end`) or an instant with an offset; undefined when neither. */
export function parsePeriodBound(text: string, end: boolean): number | undefined {
  if (DATE.test(text)) {
    const start = parseInstant(`${text}T00:00:00Z`);
    return start === undefined ? undefined : end ? start + 86_400_000 - 1 : start;
  }
  return parseInstant(text);
}

export interface ReportPeriod {
  from?: string;
  to?: string;
}

export interface ResultsReportInput {
  agreementId: string;
  /** The agreement's events, every commitment stream's and every session stream's of the agreement. */
  events: readonly RecordedEvent[];
  /** The instant `to` defaults to. */
  now: string;
}

/** The period's bounds in ms; throws ReportPeriodError for a bound that is neither a date nor an instant, or from after to. */
export function resolvePeriod(
  period: ReportPeriod,
  agreementStart: string,
  now: string,
): { fromMs: number; toMs: number } {
  const fromMs = parsePeriodBound(period.from ?? agreementStart, false);
  if (fromMs === undefined) throw new ReportPeriodError('from', `from ${period.from} is not an ISO date or instant`);
  const toMs = period.to === undefined ? Date.parse(now) : parsePeriodBound(period.to, true);
  if (toMs === undefined || Number.isNaN(toMs))
    throw new ReportPeriodError('to', `to ${period.to} is not an ISO date or instant`);
  if (fromMs > toMs) throw new ReportPeriodError('from', 'from is after to');
  return { fromMs, toMs };
}

interface Track {
  state: ExistingCommitment;
  reported: boolean;
  progressReports: number;
  evidenceCount: number;
  extensions: number;
  extensionsInPeriod: number;
  proposedAt: string;
  lastEventAt: string;
  revision: number;
}

interface SessionTrack {
  state: Session;
  decisions: Map<string, DecisionCount>;
  deferred: number;
}

export function progressOf(status: CommitmentStatus, reportedPercent: number): number {
  return DONE.includes(status) ? 100 : reportedPercent;
}

/** The grade of one commitment; null when it is not graded (see UNGRADED). */
export function gradeOf(
  status: CommitmentStatus,
  reportedPercent: number,
  reported: boolean,
  evidenceCount: number,
): Grade | null {
  if (UNGRADED.includes(status)) return null;
  if (reported && evidenceCount === 0) return 'no_evidence';
  return gradeOfProgress(progressOf(status, reportedPercent));
}

/** The thresholds shared by commitments and groups. */
export function gradeOfProgress(progress: number): Grade {
  if (progress >= 100) return 'complete';
  if (progress >= 50) return 'substantial';
  if (progress > 0) return 'limited';
  return 'not_started';
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

const zeroStatuses = (): Record<CommitmentStatus, number> =>
  Object.fromEntries(commitmentStatuses.map((s) => [s, 0])) as Record<CommitmentStatus, number>;
const zeroGrades = (): Record<Grade, number> => Object.fromEntries(grades.map((g) => [g, 0])) as Record<Grade, number>;

function figuresOf(rows: readonly CommitmentRow[]): GroupFigures {
  const byStatus = zeroStatuses();
  const gradeCounts = zeroGrades();
  const evaluation: EvaluationCount = { achieved: 0, partially_achieved: 0, not_achieved: 0, not_evaluated: 0 };
  let graded = 0;
  let sum = 0;
  let weighted = 0;
  let weights = 0;
  let overdue = 0;
  let extended = 0;
  for (const row of rows) {
    byStatus[row.status]++;
    if (row.overdue) overdue++;
    if (row.extensionsInPeriod > 0) extended++;
    if (row.grade === null) continue;
    graded++;
    gradeCounts[row.grade]++;
    sum += row.progressPercent;
    weighted += PRIORITY_WEIGHTS[row.priority] * row.progressPercent;
    weights += PRIORITY_WEIGHTS[row.priority];
    evaluation[row.evaluationOutcome ?? 'not_evaluated']++;
  }
  const weightedProgress = graded === 0 ? null : round2(weighted / weights);
  return {
    total: rows.length,
    byStatus,
    graded,
    averageProgress: graded === 0 ? null : round2(sum / graded),
    weightedProgress,
    grades: gradeCounts,
    grade: weightedProgress === null ? null : gradeOfProgress(weightedProgress),
    evaluation,
    overdue,
    extended,
  };
}

function rowOf(track: Track): CommitmentRow {
  const c = track.state;
  const done = DONE.includes(c.status);
  const overdue = c.overdueFor !== null && !done;
  return {
    commitmentId: c.commitmentId,
    agreementId: c.agreementId,
    title: c.title,
    domain: c.domain,
    proposingParty: c.owner,
    leadAgencies: [...c.leadAgencies],
    priority: c.priority,
    status: c.status,
    progressPercent: progressOf(c.status, c.progress),
    reportedPercent: c.progress,
    grade: gradeOf(c.status, c.progress, track.reported, track.evidenceCount),
    evaluationOutcome: c.outcome,
    dueDate: c.dueDate,
    overdue,
    overdueFor: overdue ? c.overdueFor : null,
    extensions: track.extensions,
    extensionsInPeriod: track.extensionsInPeriod,
    progressReports: track.progressReports,
    evidenceCount: track.evidenceCount,
    proposedAt: track.proposedAt,
    lastEventAt: track.lastEventAt,
    revision: track.revision,
  };
}

const byCode = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The report. Throws ReportPeriodError for a bad period, or one ending before the agreement was registered. */
export function resultsReport(input: ResultsReportInput, period: ReportPeriod = {}): ResultsReport {
  const { agreementId } = input;
  const events = [...input.events].sort((a, b) => a.position - b.position);
  const agreementStream = agreementStreamId(agreementId);
  const registered = events.find((e) => e.streamId === agreementStream && e.type === 'AgreementRegistered');
  if (!registered) throw new Error(`agreement ${agreementId} has no AgreementRegistered event`);
  const signedAt = (registered.data as { signedAt: string }).signedAt;
  const { fromMs, toMs } = resolvePeriod(period, signedAt, input.now);
  const within = (e: RecordedEvent): boolean => {
    const at = eventInstant(e);
    return at >= fromMs && at <= toMs;
  };

  let agreement: Agreement = initialAgreementState;
  const commitments = new Map<string, Track>();
  const sessions = new Map<string, SessionTrack>();
  const extendedItems: ResultsReport['extendedItems'] = [];
  const closed: { sessionId: string; closedAt: string; position: number }[] = [];
  const trends: TrendPoint[] = [];
  let last: RecordedEvent | undefined;
  let count = 0;

  for (const event of events) {
    // A prefix of the log, as time travel reads it: a retried command keeps its instant (libs/audit event-time).
    if (eventInstant(event) > toMs) break;
    last = event;
    count++;
    const at = eventTime(event);
    if (event.streamId === agreementStream) {
      agreement = evolveAgreement(agreement, recordedAs<AgreementEvent>(event));
    } else if (commitmentIdOf(event.streamId) !== undefined) {
      const typed = recordedAs<CommitmentEvent>(event) as unknown as CommitmentEvent;
      const previous = commitments.get(event.streamId);
      const next = evolveCommitment(previous?.state ?? initialCommitmentState, typed) as Commitment;
      if (next.status === 'none' || next.agreementId !== agreementId) continue;
      const track: Track = previous ?? {
        state: next,
        reported: false,
        progressReports: 0,
        evidenceCount: 0,
        extensions: 0,
        extensionsInPeriod: 0,
        proposedAt: at,
        lastEventAt: at,
        revision: event.revision,
      };
      track.state = next;
      track.lastEventAt = at;
      track.revision = event.revision;
      if (typed.type === 'ProgressReported' || typed.type === 'CommitmentCompleted') {
        track.reported = true;
        track.evidenceCount += typed.data.evidence.length;
        if (typed.type === 'ProgressReported') track.progressReports++;
      }
      if (typed.type === 'DueDateExtended') {
        track.extensions++;
        if (within(event)) {
          track.extensionsInPeriod++;
          extendedItems.push({
            commitmentId: next.commitmentId,
            title: next.title,
            domain: next.domain,
            proposingParty: next.owner,
            previousDueDate: typed.data.previousDueDate,
            dueDate: typed.data.dueDate,
            extendedAt: at,
          });
        }
      }
      commitments.set(event.streamId, track);
    } else if (sessionIdOf(event.streamId) !== undefined) {
      const typed = recordedAs<SessionEvent>(event) as unknown as SessionEvent;
      const previous = sessions.get(event.streamId);
      const next = evolveSession(previous?.state ?? initialSessionState, typed);
      if (next.status === 'none' || next.agreementId !== agreementId) continue;
      const track: SessionTrack = previous ?? { state: next, decisions: new Map(), deferred: 0 };
      track.state = next;
      if (typed.type === 'DecisionReached') {
        const key = `${typed.data.kind}\u0000${typed.data.outcome}`;
        const decision = track.decisions.get(key) ?? { kind: typed.data.kind, outcome: typed.data.outcome, count: 0 };
        decision.count++;
        track.decisions.set(key, decision);
      } else if (typed.type === 'ItemDeferred') {
        track.deferred++;
      } else if (typed.type === 'SessionClosed' && within(event)) {
        closed.push({ sessionId: next.sessionId, closedAt: at, position: event.position });
        const figures = figuresOf([...commitments.values()].map(rowOf));
        trends.push({
          sessionId: next.sessionId,
          closedAt: at,
          venue: next.venue,
          position: event.position,
          byStatus: figures.byStatus,
          graded: figures.graded,
          averageProgress: figures.averageProgress,
          weightedProgress: figures.weightedProgress,
          grades: figures.grades,
        });
      }
      sessions.set(event.streamId, track);
    }
  }
  if (agreement.status === 'none') {
    throw new ReportPeriodError('to', `agreement ${agreementId} was registered after ${new Date(toMs).toISOString()}`);
  }

  const rows = [...commitments.values()]
    .map(rowOf)
    .sort(
      (a, b) =>
        byCode(a.domain, b.domain) || byCode(a.proposedAt, b.proposedAt) || byCode(a.commitmentId, b.commitmentId),
    );
  const domains = [
    ...agreement.domains,
    ...rows.map((r) => r.domain).filter((d, i, all) => !agreement.domains.includes(d) && all.indexOf(d) === i),
  ];
  const partyCodes = [
    ...agreement.parties.map((p) => p.code),
    ...rows
      .map((r) => r.proposingParty)
      .filter((p, i, all) => !agreement.parties.some((q) => q.code === p) && all.indexOf(p) === i),
  ];

  const sessionFigures: SessionFigures[] = closed.map(({ sessionId, closedAt }) => {
    const track = sessions.get(`session-${sessionId}`)!;
    const state = track.state as Extract<Session, { sessionId: string }>;
    const decisions = [...track.decisions.values()].sort(
      (a, b) => byCode(a.kind, b.kind) || byCode(a.outcome, b.outcome),
    );
    return {
      sessionId,
      scheduledFor: state.scheduledFor,
      venue: state.venue,
      closedAt,
      attendance: [...state.attendance],
      decided: decisions.reduce((n, d) => n + d.count, 0),
      decisions,
      deferred: track.deferred,
    };
  });

  return {
    agreementId,
    agreementTitle: agreement.title,
    parties: agreement.parties.map(({ code, name }) => ({ code, name })),
    domains,
    period: { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() },
    generatedFrom: { position: last?.position ?? 0, lastEventAt: last ? eventTime(last) : null, events: count },
    method: {
      weights: { ...PRIORITY_WEIGHTS },
      gradeThresholds: {
        limited: '0 < progress < 50',
        substantial: '50 <= progress < 100',
        complete: 'progress = 100',
      },
      notes: [...METHOD_NOTES],
    },
    overall: figuresOf(rows),
    byDomain: domains.map((domain) => ({ domain, ...figuresOf(rows.filter((r) => r.domain === domain)) })),
    byParty: partyCodes.map((party) => ({ party, ...figuresOf(rows.filter((r) => r.proposingParty === party)) })),
    overdueItems: rows
      .filter((r) => r.overdue)
      .map((r) => ({
        commitmentId: r.commitmentId,
        title: r.title,
        domain: r.domain,
        proposingParty: r.proposingParty,
        dueDate: r.dueDate,
        overdueFor: r.overdueFor!,
      })),
    extendedItems,
    sessions: sessionFigures,
    trends,
    commitments: rows,
  };
}

/** For a reader's convenience in tests and documents: the outcomes in their order. */
export const evaluationOutcomeOrder: readonly (EvaluationOutcome | 'not_evaluated')[] = [
  ...evaluationOutcomes,
  'not_evaluated',
];
