import type { RecordedEvent } from '@accord/event-store';
import { reportCsv, reportCsvColumns, csvField } from './report-csv';
import { reportDocument } from './report-document';
import { ReportPeriodError, resultsReport, gradeOf } from './results-report';

const A = 'a0000000-0000-4000-8000-000000000001';
let position = 0;
const revisions = new Map<string, number>();
function ev(streamId: string, type: string, data: Record<string, unknown>, occurredAt: string): RecordedEvent {
  const revision = revisions.get(streamId) ?? 0;
  revisions.set(streamId, revision + 1);
  position += 1;
  return {
    streamId,
    revision,
    position,
    id: `id-${position}`,
    type,
    schemaVersion: 1,
    data,
    metadata: { occurredAt },
    recordedAt: occurredAt,
  };
}

function history(): RecordedEvent[] {
  position = 0;
  revisions.clear();
  const e: RecordedEvent[] = [];
  e.push(
    ev(
      `agreement-${A}`,
      'AgreementRegistered',
      {
        agreementId: A,
        title: 'MA-QA',
        signedAt: '2014-03-12',
        signedIn: 'Rabat',
        parties: [
          { code: 'MA', name: 'Morocco', agencies: ['DGSN'] },
          { code: 'QA', name: 'Qatar', agencies: ['MOI'] },
        ],
        domains: ['cyber', 'border'],
      },
      '2027-01-01T00:00:00Z',
    ),
  );
  const propose = (id: string, domain: string, party: string, priority: string, title = `C ${id}`) =>
    e.push(
      ev(
        `commitment-${id}`,
        'CommitmentProposed',
        {
          commitmentId: id,
          agreementId: A,
          title,
          description: '',
          domain,
          leadAgencies: ['X', 'Y'],
          dueDate: '2027-06-30',
          priority,
          proposingParty: party,
        },
        '2027-01-02T00:00:00Z',
      ),
    );
  const to = (id: string, type: string, data: Record<string, unknown>, at: string) =>
    e.push(ev(`commitment-${id}`, type, { commitmentId: id, ...data }, at));
  const approveAndStart = (id: string, at: string) => {
    to(id, 'CommitmentPlacedOnAgenda', { sessionId: 's1', itemId: 'i' }, at);
    to(id, 'CommitmentApproved', { sessionId: 's1', decisionId: 'd', note: null }, at);
    to(id, 'CommitmentStarted', {}, at);
  };
  propose('c1', 'cyber', 'MA', 'high', '=HYPERLINK("x")');
  propose('c2', 'cyber', 'QA', 'low');
  propose('c3', 'border', 'MA', 'normal');
  propose('c4', 'border', 'QA', 'normal'); // stays proposed: not graded
  approveAndStart('c1', '2027-02-01T10:00:00Z');
  approveAndStart('c2', '2027-02-01T10:00:00Z');
  approveAndStart('c3', '2027-02-01T10:00:00Z');
  e.push(
    ev(
      'session-s1',
      'SessionScheduled',
      { sessionId: 's1', agreementId: A, scheduledFor: '2027-02-01T09:00:00Z', venue: 'Doha', parties: ['MA', 'QA'] },
      '2027-01-20T00:00:00Z',
    ),
  );
  e.push(
    ev(
      'session-s1',
      'AgendaItemAdded',
      { sessionId: 's1', itemId: 'i1', commitmentId: 'c1', kind: 'review', proposedDueDate: null },
      '2027-01-20T00:00:00Z',
    ),
  );
  e.push(ev('session-s1', 'SessionOpened', { sessionId: 's1', attendance: ['MA', 'QA'] }, '2027-02-01T09:00:00Z'));
  e.push(
    ev(
      'session-s1',
      'DecisionReached',
      {
        sessionId: 's1',
        decisionId: 's1:i1',
        itemId: 'i1',
        commitmentId: 'c1',
        kind: 'review',
        outcome: 'approve',
        proposedDueDate: null,
        notes: [],
      },
      '2027-02-01T10:00:00Z',
    ),
  );
  e.push(ev('session-s1', 'SessionClosed', { sessionId: 's1', decided: ['i1'], deferred: [] }, '2027-02-01T12:00:00Z'));
  to(
    'c1',
    'ProgressReported',
    { percent: 40, narrative: 'n', evidence: [{ title: 't', uri: 'https://e/1' }] },
    '2027-03-01T00:00:00Z',
  );
  to('c2', 'ProgressReported', { percent: 60, narrative: 'n', evidence: [] }, '2027-03-01T00:00:00Z'); // no evidence
  to('c3', 'CommitmentBecameOverdue', { dueDate: '2027-06-30' }, '2027-07-01T00:00:00Z');
  to('c1', 'ProgressReported', { percent: 80, narrative: 'n', evidence: [] }, '2027-07-02T00:00:00Z');
  to(
    'c1',
    'CommitmentCompleted',
    { summary: 's', evidence: [{ title: 't', uri: 'https://e/2' }] },
    '2027-08-01T00:00:00Z',
  );
  to(
    'c1',
    'CommitmentEvaluated',
    { sessionId: 's2', decisionId: 'd', outcome: 'achieved', notes: null },
    '2027-09-01T00:00:00Z',
  );
  to(
    'c2',
    'DueDateExtended',
    { sessionId: 's2', decisionId: 'd', previousDueDate: '2027-06-30', dueDate: '2027-12-31', reason: null },
    '2027-09-01T00:00:00Z',
  );
  return e;
}

describe('resultsReport, on hand-built events', () => {
  const now = '2028-01-01T00:00:00Z';

  it('counts statuses, progress, weights, grades, evaluations, overdue and extensions as of the end', () => {
    const r = resultsReport({ agreementId: A, events: history(), now });
    expect(r.period).toEqual({ from: '2014-03-12T00:00:00.000Z', to: '2028-01-01T00:00:00.000Z' });
    expect(r.generatedFrom.position).toBe(position);
    const row = (id: string) => r.commitments.find((c) => c.commitmentId === id)!;
    expect(row('c1')).toMatchObject({
      status: 'evaluated',
      progressPercent: 100,
      grade: 'complete',
      evidenceCount: 2,
      evaluationOutcome: 'achieved',
    });
    expect(row('c2')).toMatchObject({
      status: 'in_progress',
      progressPercent: 60,
      grade: 'no_evidence',
      extensions: 1,
      dueDate: '2027-12-31',
    });
    expect(row('c3')).toMatchObject({
      progressPercent: 0,
      grade: 'not_started',
      overdue: true,
      overdueFor: '2027-06-30',
    });
    expect(row('c4')).toMatchObject({ status: 'proposed', grade: null });
    expect(row('c1').leadAgencies).toEqual(['X', 'Y']);

    expect(r.overall.total).toBe(4);
    expect(r.overall.graded).toBe(3);
    expect(r.overall.averageProgress).toBe(53.33); // (100 + 60 + 0) / 3
    expect(r.overall.weightedProgress).toBe(60); // (3*100 + 1*60 + 2*0) / 6
    expect(r.overall.grade).toBe('substantial');
    expect(r.overall.grades).toEqual({ no_evidence: 1, not_started: 1, limited: 0, substantial: 0, complete: 1 });
    expect(r.overall.evaluation).toEqual({ achieved: 1, partially_achieved: 0, not_achieved: 0, not_evaluated: 2 });
    expect(r.overall.overdue).toBe(1);
    expect(r.overall.extended).toBe(1);

    const cyber = r.byDomain.find((d) => d.domain === 'cyber')!;
    expect(cyber).toMatchObject({
      total: 2,
      graded: 2,
      averageProgress: 80,
      weightedProgress: 90,
      grade: 'substantial',
    });
    const qa = r.byParty.find((p) => p.party === 'QA')!;
    expect(qa).toMatchObject({
      total: 2,
      graded: 1,
      averageProgress: 60,
      byStatus: expect.objectContaining({ proposed: 1, in_progress: 1 }),
    });

    expect(r.sessions).toEqual([
      expect.objectContaining({
        sessionId: 's1',
        venue: 'Doha',
        decided: 1,
        deferred: 0,
        decisions: [{ kind: 'review', outcome: 'approve', count: 1 }],
      }),
    ]);
    // As of s1's close: three started, nothing reported.
    expect(r.trends).toHaveLength(1);
    expect(r.trends[0]).toMatchObject({
      graded: 3,
      averageProgress: 0,
      grades: expect.objectContaining({ not_started: 3 }),
    });
  });

  it('reads the state as of `to`, and counts in the period only what happened in it', () => {
    const r = resultsReport({ agreementId: A, events: history(), now }, { from: '2027-03-01', to: '2027-07-01' });
    expect(r.period).toEqual({ from: '2027-03-01T00:00:00.000Z', to: '2027-07-01T23:59:59.999Z' });
    const c1 = r.commitments.find((c) => c.commitmentId === 'c1')!;
    expect(c1).toMatchObject({ status: 'in_progress', progressPercent: 40, grade: 'limited' });
    expect(r.sessions).toEqual([]); // s1 closed before the period
    expect(r.trends).toEqual([]);
    expect(r.extendedItems).toEqual([]);
    expect(r.overdueItems.map((o) => o.commitmentId)).toEqual(['c3']);
  });

  it('refuses a bound that is not a date or an instant, from after to, and a period before the agreement', () => {
    const events = history();
    expect(() => resultsReport({ agreementId: A, events, now }, { from: 'yesterday' })).toThrow(ReportPeriodError);
    expect(() => resultsReport({ agreementId: A, events, now }, { to: '2027-02-30' })).toThrow(ReportPeriodError);
    expect(() => resultsReport({ agreementId: A, events, now }, { from: '2027-05-01', to: '2027-04-01' })).toThrow(
      expect.objectContaining({ field: 'from' }),
    );
    expect(() => resultsReport({ agreementId: A, events, now }, { to: '2026-01-01' })).toThrow(
      expect.objectContaining({ field: 'to' }),
    );
  });

  it('grades by the OGP scale, evidence first', () => {
    expect(gradeOf('approved', 0, false, 0)).toBe('not_started');
    expect(gradeOf('in_progress', 0, true, 1)).toBe('not_started');
    expect(gradeOf('in_progress', 49.9, true, 1)).toBe('limited');
    expect(gradeOf('in_progress', 50, true, 1)).toBe('substantial');
    expect(gradeOf('in_progress', 100, true, 1)).toBe('complete');
    expect(gradeOf('in_progress', 100, true, 0)).toBe('no_evidence');
    expect(gradeOf('closed', 10, true, 1)).toBe('complete');
    expect(gradeOf('suspended', 20, true, 1)).toBe('limited');
    for (const s of ['proposed', 'under_review', 'changes_requested', 'withdrawn', 'rejected'] as const) {
      expect(gradeOf(s, 0, false, 0)).toBeNull();
    }
  });

  it('writes RFC 4180 CSV whose cells a spreadsheet never runs', () => {
    const r = resultsReport({ agreementId: A, events: history(), now });
    const csv = reportCsv(r);
    const lines = csv.split('\r\n');
    expect(lines[lines.length - 1]).toBe('');
    expect(lines[0]).toBe(reportCsvColumns.map((c) => c.name).join(','));
    expect(lines).toHaveLength(r.commitments.length + 2);
    expect(csv).toContain(`"'=HYPERLINK(""x"")"`);
    expect(csv).toContain(',X;Y,');
    expect(csvField('-1')).toBe("'-1");
    expect(csvField('@a')).toBe("'@a");
    expect(csvField('+a')).toBe("'+a");
    expect(csvField('a\nb')).toBe('"a\nb"');
    expect(csvField(null)).toBe('');
    expect(csvField(-1)).toBe('-1');
    for (const c of reportCsvColumns) expect(c.description.length).toBeGreaterThan(10);
  });

  it('builds the printable document in French, English and Arabic with every label translated', () => {
    const r = resultsReport({ agreementId: A, events: history(), now });
    const fr = reportDocument(r, 'fr');
    const en = reportDocument(r, 'en');
    const ar = reportDocument(r, 'ar');
    expect(fr.kind).toBe('results-report');
    expect(fr.title).toBe('Rapport des résultats de la coopération');
    expect(ar.title).toBe('تقرير نتائج التعاون');
    expect(JSON.stringify(fr)).toContain('53,33');
    expect(JSON.stringify(en)).toContain('53.33');
    expect(JSON.stringify(ar)).toContain('2028');
    for (const doc of [fr, en, ar]) {
      expect(doc.blocks.some((b) => b.kind === 'bar-chart')).toBe(true);
      expect(doc.blocks.some((b) => b.kind === 'line-chart')).toBe(true);
      const text = JSON.stringify(doc);
      expect(text).not.toMatch(/in_progress|not_started|no_evidence|partially_achieved/);
    }
    expect(JSON.stringify(ar)).toContain('بلا إثبات');
    expect(JSON.stringify(ar)).not.toMatch(/[٠-٩]/); // digits stay Western
  });
});
