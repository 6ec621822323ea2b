import type { RecordedEvent } from '@accord/event-store';

/**
 * What the read models should hold, folded from the raw events by code written for the
 * test alone (not the projections' code, not the deciders' evolve), so that a mistake in
 * either shows up as a difference.
 */
export interface ExpectedCommitment {
  id: string;
  agreementId: string;
  title: string;
  description: string;
  domain: string;
  proposingParty: string;
  leadAgencies: string[];
  status: string;
  overdue: boolean;
  dueDate: string | null;
  priority: string;
  progress: number;
  evidence: {
    title: string;
    uri: string;
    reportedWith: string;
    percent: number | null;
    revision: number;
    reportedAt: string;
  }[];
  lastProgressReport: { percent: number; narrative: string; revision: number; reportedAt: string } | null;
  completion: { summary: string; revision: number; completedAt: string } | null;
  evaluation: Record<string, unknown> | null;
  review: Record<string, unknown> | null;
  revision: number;
  position: number;
  createdAt: string;
  updatedAt: string;
}

export interface ExpectedSession {
  id: string;
  agreementId: string;
  status: string;
  attendance: string[];
  items: {
    itemId: string;
    commitmentId: string;
    kind: string;
    status: string;
    outcome: string | null;
    positions: Record<string, string>;
  }[];
  revision: number;
}

const at = (e: RecordedEvent) => (typeof e.metadata.occurredAt === 'string' ? e.metadata.occurredAt : e.recordedAt);

export function foldCommitments(log: readonly RecordedEvent[]): Map<string, ExpectedCommitment> {
  const all = new Map<string, ExpectedCommitment>();
  for (const e of log) {
    if (!e.streamId.startsWith('commitment-')) continue;
    const id = e.streamId.slice('commitment-'.length);
    const d = e.data as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    let c = all.get(id);
    if (e.type === 'CommitmentProposed') {
      c = {
        id,
        agreementId: d.agreementId,
        title: d.title,
        description: d.description,
        domain: d.domain,
        proposingParty: d.proposingParty,
        leadAgencies: [...d.leadAgencies],
        status: 'proposed',
        overdue: false,
        dueDate: d.dueDate ?? null,
        priority: d.priority ?? 'normal',
        progress: 0,
        evidence: [],
        lastProgressReport: null,
        completion: null,
        evaluation: null,
        review: null,
        revision: 0,
        position: 0,
        createdAt: at(e),
        updatedAt: at(e),
      };
      all.set(id, c);
    }
    if (!c) throw new Error(`${e.type} before CommitmentProposed in ${e.streamId}`);
    const trace = { sessionId: d.sessionId ?? null, decisionId: d.decisionId ?? null, revision: e.revision };
    const evidence = (reportedWith: string, percent: number | null) =>
      ((d.evidence ?? []) as { title: string; uri: string }[]).map(({ title, uri }) => ({
        title,
        uri,
        reportedWith,
        percent,
        revision: e.revision,
        reportedAt: at(e),
      }));
    switch (e.type) {
      case 'CommitmentRevised': {
        const changes = d.changes as Record<string, unknown>;
        for (const field of ['title', 'description', 'domain', 'priority'] as const) {
          if (field in changes) (c as unknown as Record<string, unknown>)[field] = changes[field];
        }
        if ('leadAgencies' in changes) c.leadAgencies = [...(changes.leadAgencies as string[])];
        if ('dueDate' in changes) c.dueDate = (changes.dueDate as string | null) ?? null;
        if (c.status === 'changes_requested') c.status = 'proposed';
        break;
      }
      case 'CommitmentWithdrawn':
        c.status = 'withdrawn';
        break;
      case 'CommitmentPlacedOnAgenda':
        c.status = 'under_review';
        break;
      case 'CommitmentApproved':
        c.status = 'approved';
        c.review = { decision: 'approved', note: d.note ?? null, ...trace, decidedAt: at(e) };
        break;
      case 'CommitmentRejected':
        c.status = 'rejected';
        c.review = { decision: 'rejected', note: d.reason, ...trace, decidedAt: at(e) };
        break;
      case 'CommitmentChangesRequested':
        c.status = 'changes_requested';
        c.review = { decision: 'changes_requested', note: d.requestedChanges, ...trace, decidedAt: at(e) };
        break;
      case 'CommitmentDeferred':
        if (d.from === 'under_review') c.status = 'proposed';
        break;
      case 'CommitmentStarted':
        c.status = 'in_progress';
        break;
      case 'ProgressReported':
        c.progress = d.percent;
        c.evidence.push(...evidence('progress', d.percent));
        c.lastProgressReport = { percent: d.percent, narrative: d.narrative, revision: e.revision, reportedAt: at(e) };
        break;
      case 'CommitmentCompleted':
        c.status = 'completed';
        c.evidence.push(...evidence('completion', null));
        c.completion = { summary: d.summary, revision: e.revision, completedAt: at(e) };
        break;
      case 'CommitmentEvaluated':
        c.status = 'evaluated';
        c.evaluation = { outcome: d.outcome, notes: d.notes ?? null, ...trace, evaluatedAt: at(e) };
        break;
      case 'DueDateExtended':
        c.dueDate = d.dueDate;
        c.overdue = false;
        break;
      case 'CommitmentSuspended':
        c.status = 'suspended';
        break;
      case 'CommitmentResumed':
        c.status = d.to;
        break;
      case 'CommitmentReopened':
        c.status = 'in_progress';
        c.completion = null;
        c.evaluation = null;
        break;
      case 'CommitmentBecameOverdue':
        c.overdue = true;
        break;
      case 'CommitmentClosed':
        c.status = 'closed';
        break;
    }
    c.revision = e.revision;
    c.position = e.position;
    c.updatedAt = at(e);
  }
  return all;
}

export function foldSessions(log: readonly RecordedEvent[]): Map<string, ExpectedSession> {
  const all = new Map<string, ExpectedSession>();
  for (const e of log) {
    if (!e.streamId.startsWith('session-')) continue;
    const id = e.streamId.slice('session-'.length);
    const d = e.data as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    if (e.type === 'SessionScheduled')
      all.set(id, { id, agreementId: d.agreementId, status: 'scheduled', attendance: [], items: [], revision: 0 });
    const s = all.get(id)!;
    const item = (itemId: string) => s.items.find((i) => i.itemId === itemId)!;
    switch (e.type) {
      case 'AgendaItemAdded':
        s.items.push({
          itemId: d.itemId,
          commitmentId: d.commitmentId,
          kind: d.kind,
          status: 'open',
          outcome: null,
          positions: {},
        });
        break;
      case 'SessionOpened':
        s.status = 'open';
        s.attendance = [...d.attendance];
        break;
      case 'PositionRecorded':
        item(d.itemId).positions[d.party] = d.position;
        break;
      case 'DecisionReached':
        item(d.itemId).status = 'decided';
        item(d.itemId).outcome = d.outcome;
        break;
      case 'ItemDeferred':
        item(d.itemId).status = 'deferred';
        break;
      case 'SessionClosed':
        s.status = 'closed';
        break;
    }
    s.revision = e.revision;
  }
  return all;
}
