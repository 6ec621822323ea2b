import type { RecordedEvent } from '@accord/event-store';
import type { Clock } from '../apps/api/src/infrastructure/clock';
import { Workers } from '../apps/api/src/workers/workers.module';
import { pdfPageToPng, pdfText } from './support/pdf-text';
import { lastPosition } from './support/workload';
import { MOROCCO_QATAR, startTestApp, type TestApp } from './support/test-app';

class ManualClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(iso: string): void {
    this.current = new Date(iso);
  }
}

/**
 * The figures a results report should give, folded from the raw events by code written for
 * this test alone (not the report's, not the deciders' evolve), with the rules of decision 0031.
 */
interface Folded {
  id: string;
  domain: string;
  party: string;
  priority: string;
  status: string;
  reported: boolean;
  progress: number;
  evidence: number;
  outcome: string | null;
  overdue: boolean;
  extensions: number;
  leadAgencies: string[];
  dueDate: string | null;
  title: string;
}
type D = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function foldUpTo(log: readonly RecordedEvent[], agreementId: string, upTo: number): Folded[] {
  const all = new Map<string, Folded>();
  for (const e of log) {
    if (e.position > upTo || !e.streamId.startsWith('commitment-')) continue;
    const d = e.data as D;
    if (e.type === 'CommitmentProposed') {
      if (d.agreementId !== agreementId) continue;
      all.set(e.streamId, {
        id: d.commitmentId,
        domain: d.domain,
        party: d.proposingParty,
        priority: d.priority,
        status: 'proposed',
        reported: false,
        progress: 0,
        evidence: 0,
        outcome: null,
        overdue: false,
        extensions: 0,
        leadAgencies: d.leadAgencies,
        dueDate: d.dueDate,
        title: d.title,
      });
      continue;
    }
    const c = all.get(e.streamId);
    if (!c) continue;
    const to: Record<string, string> = {
      CommitmentPlacedOnAgenda: 'under_review',
      CommitmentApproved: 'approved',
      CommitmentRejected: 'rejected',
      CommitmentChangesRequested: 'changes_requested',
      CommitmentStarted: 'in_progress',
      CommitmentCompleted: 'completed',
      CommitmentEvaluated: 'evaluated',
      CommitmentWithdrawn: 'withdrawn',
      CommitmentClosed: 'closed',
      CommitmentSuspended: 'suspended',
      CommitmentReopened: 'in_progress',
    };
    if (to[e.type]) c.status = to[e.type];
    if (e.type === 'CommitmentDeferred' && d.from === 'under_review') c.status = 'proposed';
    if (e.type === 'CommitmentResumed') c.status = d.to;
    if (e.type === 'ProgressReported') c.progress = d.percent;
    if (e.type === 'ProgressReported' || e.type === 'CommitmentCompleted') {
      c.reported = true;
      c.evidence += d.evidence.length;
    }
    if (e.type === 'CommitmentEvaluated') c.outcome = d.outcome;
    if (e.type === 'CommitmentReopened') c.outcome = null;
    if (e.type === 'CommitmentBecameOverdue') c.overdue = true;
    if (e.type === 'DueDateExtended') {
      c.overdue = false;
      c.extensions++;
      c.dueDate = d.dueDate;
    }
  }
  return [...all.values()];
}

const done = (c: Folded) => ['completed', 'evaluated', 'closed'].includes(c.status);
const gradedOf = (c: Folded) =>
  !['proposed', 'under_review', 'changes_requested', 'withdrawn', 'rejected'].includes(c.status);
const progressOf = (c: Folded) => (done(c) ? 100 : c.progress);
const gradeOfProgress = (p: number) =>
  p >= 100 ? 'complete' : p >= 50 ? 'substantial' : p > 0 ? 'limited' : 'not_started';
const gradeOf = (c: Folded) =>
  !gradedOf(c) ? null : c.reported && c.evidence === 0 ? 'no_evidence' : gradeOfProgress(progressOf(c));
const WEIGHT: Record<string, number> = { low: 1, normal: 2, high: 3 };
const r2 = (x: number) => Math.round(x * 100) / 100;

function figures(cs: Folded[]) {
  const graded = cs.filter(gradedOf);
  const byStatus: Record<string, number> = {};
  for (const c of cs) byStatus[c.status] = (byStatus[c.status] ?? 0) + 1;
  const grades: Record<string, number> = {};
  for (const c of graded) grades[gradeOf(c)!] = (grades[gradeOf(c)!] ?? 0) + 1;
  const evaluation: Record<string, number> = {};
  for (const c of graded)
    evaluation[c.outcome ?? 'not_evaluated'] = (evaluation[c.outcome ?? 'not_evaluated'] ?? 0) + 1;
  const w = graded.reduce((n, c) => n + WEIGHT[c.priority], 0);
  const weighted = graded.length ? r2(graded.reduce((n, c) => n + WEIGHT[c.priority] * progressOf(c), 0) / w) : null;
  return {
    total: cs.length,
    byStatus,
    graded: graded.length,
    averageProgress: graded.length ? r2(graded.reduce((n, c) => n + progressOf(c), 0) / graded.length) : null,
    weightedProgress: weighted,
    grades,
    grade: weighted === null ? null : gradeOfProgress(weighted),
    evaluation,
    overdue: cs.filter((c) => c.overdue && !done(c)).length,
  };
}

/** The report's counts with the zeros left out, to compare with the fold's. */
const nonZero = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
const comparable = (g: D) => ({
  total: g.total,
  byStatus: nonZero(g.byStatus),
  graded: g.graded,
  averageProgress: g.averageProgress,
  weightedProgress: g.weightedProgress,
  grades: nonZero(g.grades),
  grade: g.grade,
  evaluation: nonZero(g.evaluation),
  overdue: g.overdue,
});

/** RFC 4180, as a reader would parse it. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  return rows;
}

describe('GET /agreements/{id}/report: the results report, checked against an independent fold of the log', () => {
  let t: TestApp;
  let clock: ManualClock;
  let agreementId: string;
  let auditor: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    clock = new ManualClock(new Date());
    t = await startTestApp({ clock });
    const workers = t.app.get(Workers);
    const settle = async () => {
      const head = await lastPosition(t);
      await workers.processManager.waitFor(head, 10000);
      expect(await workers.projections.waitFor('commitments', head)).toBe(true);
    };
    const ok = async (url: string, body: unknown, key: string) => {
      const r = await t.post(url, body, key);
      if (r.statusCode >= 300) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
      return r.json();
    };
    const secretariat = await t.createKey('secretariat');
    auditor = await t.createKey('auditor');
    const integration = { MA: await t.createKey('integration', 'MA'), QA: await t.createKey('integration', 'QA') };
    const delegate = { MA: await t.createKey('delegate', 'MA'), QA: await t.createKey('delegate', 'QA') };
    agreementId = (await ok('/agreements', MOROCCO_QATAR, secretariat)).id;
    const propose = async (name: string, party: 'MA' | 'QA', domain: string, priority: string, dueDate: string) => {
      ids[name] = (
        await ok(
          '/commitments',
          {
            agreementId,
            title: `${name}: =cmd|' /C calc'!A0, "quoted"`,
            description: 'd',
            domain,
            leadAgencies: ['DGSN', 'DGST'],
            dueDate,
            priority,
          },
          integration[party],
        )
      ).id;
    };
    await propose('c1', 'MA', 'cybercrime', 'high', '2028-06-30');
    await propose('c2', 'QA', 'cybercrime', 'low', '2027-03-31');
    await propose('c3', 'MA', 'border security', 'normal', '2028-12-31');
    await propose('c4', 'QA', 'border security', 'normal', '2028-12-31');
    await propose('c5', 'QA', 'border security', 'high', '2027-05-31');

    const session = async (items: { c: string; kind: string; ma: string; qa: string; proposedDueDate?: string }[]) => {
      await settle();
      const id = (
        await ok(
          '/sessions',
          { agreementId, scheduledFor: '2027-05-01T09:00:00Z', venue: items.length > 3 ? 'Rabat' : 'Doha' },
          secretariat,
        )
      ).id;
      const added: string[] = [];
      for (const item of items) {
        const body = {
          commitmentId: ids[item.c],
          kind: item.kind,
          ...(item.proposedDueDate ? { proposedDueDate: item.proposedDueDate } : {}),
        };
        added.push((await ok(`/sessions/${id}/agenda`, body, secretariat)).itemId);
      }
      await ok(`/sessions/${id}/open`, { attendance: ['MA', 'QA'] }, secretariat);
      for (const [i, item] of items.entries()) {
        await ok(`/sessions/${id}/positions`, { itemId: added[i], position: item.ma }, delegate.MA);
        await ok(`/sessions/${id}/positions`, { itemId: added[i], position: item.qa }, delegate.QA);
      }
      await ok(`/sessions/${id}/close`, {}, secretariat);
      await settle();
    };
    await session([
      { c: 'c1', kind: 'review', ma: 'approve', qa: 'approve' },
      { c: 'c2', kind: 'review', ma: 'approve', qa: 'approve' },
      { c: 'c3', kind: 'review', ma: 'approve', qa: 'approve' },
      { c: 'c5', kind: 'review', ma: 'approve', qa: 'approve' },
      { c: 'c4', kind: 'review', ma: 'approve', qa: 'reject' }, // no consensus: deferred at the close
    ]);
    for (const c of ['c1', 'c3'] as const) await ok(`/commitments/${ids[c]}/start`, {}, integration.MA);
    for (const c of ['c2', 'c5'] as const) await ok(`/commitments/${ids[c]}/start`, {}, integration.QA);
    const evidence = [{ title: 'Report', uri: 'https://evidence.example/1' }];
    await ok(`/commitments/${ids.c1}/progress`, { percent: 60, narrative: 'Half way', evidence }, integration.MA);
    await ok(`/commitments/${ids.c3}/progress`, { percent: 30, narrative: 'Begun, no evidence yet' }, integration.MA);
    await ok(`/commitments/${ids.c5}/progress`, { percent: 20, narrative: 'Begun', evidence }, integration.QA);
    await ok(`/commitments/${ids.c1}/complete`, { summary: 'Done', evidence }, integration.MA);
    await session([
      { c: 'c1', kind: 'evaluation', ma: 'achieved', qa: 'achieved' },
      { c: 'c5', kind: 'extension', ma: 'grant', qa: 'grant', proposedDueDate: '2028-06-30' },
      { c: 'c4', kind: 'review', ma: 'request_changes', qa: 'request_changes' },
    ]);
    // c2's due date passes; c5's was extended beyond it.
    clock.set('2027-07-01T08:00:00Z');
    expect(await workers.deadlines.tick()).toBe(1);
    await settle();
  });
  afterAll(() => t?.close());

  const get = (query: string, key = auditor) =>
    t.request({ method: 'GET', url: `/agreements/${agreementId}/report${query}`, key });

  it('gives every figure the independent fold of the events gives', async () => {
    const response = await get('');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const report = response.json();
    const log = await t.log();
    const head = log[log.length - 1].position;
    const mine = log.filter(
      (e) =>
        e.streamId === `agreement-${agreementId}` ||
        e.streamId.startsWith('commitment-') ||
        e.streamId.startsWith('session-'),
    );
    expect(report.generatedFrom.position).toBe(head);
    expect(report.period.to).toBe('2027-07-01T08:00:00.000Z');
    expect(report.period.from).toBe('2014-03-12T00:00:00.000Z');
    expect(report.method.weights).toEqual({ low: 1, normal: 2, high: 3 });

    const folded = foldUpTo(mine, agreementId, head);
    expect(comparable(report.overall)).toEqual(figures(folded));
    expect(report.overall.extended).toBe(1);
    for (const domain of MOROCCO_QATAR.domains) {
      const group = report.byDomain.find((d: D) => d.domain === domain);
      expect(comparable(group)).toEqual(figures(folded.filter((c) => c.domain === domain)));
    }
    for (const party of ['MA', 'QA']) {
      const group = report.byParty.find((p: D) => p.party === party);
      expect(comparable(group)).toEqual(figures(folded.filter((c) => c.party === party)));
    }
    // The workload was built to show each case: spelled out, so that a fold that agrees with a wrong report fails too.
    const row = (name: string) => report.commitments.find((c: D) => c.commitmentId === ids[name]);
    expect(row('c1')).toMatchObject({
      status: 'evaluated',
      grade: 'complete',
      progressPercent: 100,
      evaluationOutcome: 'achieved',
      evidenceCount: 2,
    });
    expect(row('c2')).toMatchObject({
      status: 'in_progress',
      grade: 'not_started',
      overdue: true,
      overdueFor: '2027-03-31',
    });
    expect(row('c3')).toMatchObject({ grade: 'no_evidence', progressPercent: 30 });
    expect(row('c4')).toMatchObject({ status: 'changes_requested', grade: null });
    expect(row('c5')).toMatchObject({ grade: 'limited', extensions: 1, dueDate: '2028-06-30', overdue: false });
    for (const c of folded) {
      expect(row(Object.keys(ids).find((k) => ids[k] === c.id)!)).toMatchObject({
        status: c.status,
        progressPercent: progressOf(c),
        grade: gradeOf(c),
        evidenceCount: c.evidence,
        evaluationOutcome: c.outcome,
        overdue: c.overdue && !done(c),
        extensions: c.extensions,
        dueDate: c.dueDate,
      });
    }
    expect(report.overdueItems.map((o: D) => o.commitmentId)).toEqual([ids.c2]);
    expect(report.extendedItems).toEqual([
      expect.objectContaining({ commitmentId: ids.c5, previousDueDate: '2027-05-31', dueDate: '2028-06-30' }),
    ]);

    // Sessions and trends: each closing, from the session streams, and the fold up to it.
    const closings = mine.filter((e) => e.type === 'SessionClosed');
    expect(closings).toHaveLength(2);
    expect(report.sessions.map((s: D) => s.sessionId)).toEqual(closings.map((e) => (e.data as D).sessionId));
    for (const [i, closing] of closings.entries()) {
      const events = mine.filter((e) => e.streamId === closing.streamId);
      const decisions: Record<string, number> = {};
      for (const e of events.filter((x) => x.type === 'DecisionReached')) {
        const key = `${(e.data as D).kind}/${(e.data as D).outcome}`;
        decisions[key] = (decisions[key] ?? 0) + 1;
      }
      const s = report.sessions[i];
      expect(Object.fromEntries(s.decisions.map((d: D) => [`${d.kind}/${d.outcome}`, d.count]))).toEqual(decisions);
      expect(s.decided).toBe(Object.values(decisions).reduce((a, b) => a + b, 0));
      expect(s.deferred).toBe(events.filter((x) => x.type === 'ItemDeferred').length);
      expect(s.venue).toBe((events[0].data as D).venue);
      const trend = report.trends[i];
      const then = figures(foldUpTo(mine, agreementId, closing.position));
      expect(trend.position).toBe(closing.position);
      expect({
        byStatus: nonZero(trend.byStatus),
        graded: trend.graded,
        averageProgress: trend.averageProgress,
        weightedProgress: trend.weightedProgress,
        grades: nonZero(trend.grades),
      }).toEqual({
        byStatus: then.byStatus,
        graded: then.graded,
        averageProgress: then.averageProgress,
        weightedProgress: then.weightedProgress,
        grades: then.grades,
      });
    }
    expect(report.sessions[0]).toMatchObject({ venue: 'Rabat', decided: 4, deferred: 1 });
    expect(report.sessions[1]).toMatchObject({ venue: 'Doha', decided: 3, deferred: 0 });
    expect(report.trends[0].grades.not_started).toBe(4);
    expect(report.trends[1].weightedProgress).toBeGreaterThan(report.trends[0].weightedProgress);
  });

  it('writes the same rows as CSV, quoted by RFC 4180, with no cell a spreadsheet would run', async () => {
    const json = (await get('')).json();
    const response = await get('?format=csv');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe(
      `attachment; filename="results-report-${agreementId}-2014-03-12-2027-07-01.csv"`,
    );
    const rows = parseCsv(response.body);
    const header = rows[0];
    expect(header.slice(0, 14)).toEqual([
      'commitmentId',
      'agreementId',
      'title',
      'domain',
      'proposingParty',
      'leadAgencies',
      'priority',
      'status',
      'progressPercent',
      'reportedPercent',
      'grade',
      'evaluationOutcome',
      'dueDate',
      'overdue',
    ]);
    expect(rows).toHaveLength(json.commitments.length + 1);
    for (const [i, c] of json.commitments.entries()) {
      const cell = (name: string) => rows[i + 1][header.indexOf(name)];
      expect(cell('commitmentId')).toBe(c.commitmentId);
      expect(cell('title')).toBe(c.title); // starts with a letter: left as it is, quotes and commas quoted
      expect(cell('leadAgencies')).toBe('DGSN;DGST');
      expect(cell('status')).toBe(c.status);
      expect(Number(cell('progressPercent'))).toBe(c.progressPercent);
      expect(cell('grade')).toBe(c.grade ?? '');
      expect(cell('evaluationOutcome')).toBe(c.evaluationOutcome ?? '');
      expect(cell('dueDate')).toBe(c.dueDate ?? '');
      expect(cell('overdue')).toBe(String(c.overdue));
      expect(Number(cell('extensions'))).toBe(c.extensions);
      expect(Number(cell('evidenceCount'))).toBe(c.evidenceCount);
      expect(cell('lastEventAt')).toBe(c.lastEventAt);
    }
    for (const row of rows.slice(1)) for (const value of row) expect(value).not.toMatch(/^[=+\-@]/);
  });

  it('reads a period: states as of its end, sessions closed within it', async () => {
    const all = (await get('')).json();
    const firstClose = all.sessions[0].closedAt;
    const report = (await get(`?from=2014-03-12&to=${encodeURIComponent(firstClose)}`)).json();
    expect(report.sessions).toHaveLength(1);
    expect(report.trends).toHaveLength(1);
    expect(report.overall.byStatus.in_progress).toBe(0);
    expect(report.overall.byStatus.approved).toBe(4);
    const after = (await get(`?from=2027-06-01`)).json();
    expect(after.sessions).toEqual([]);
    expect(after.extendedItems).toEqual([]);
    expect(after.overall.total).toBe(5); // states are as of the end whatever the start
    const delegate = await t.createKey('delegate', 'MA');
    expect((await get('', delegate)).statusCode).toBe(200);
  });

  it('prints the report as HTML and PDF in French, English and Arabic', async () => {
    const words: Record<string, string[]> = {
      fr: ['Rapport des résultats de la coopération', 'Par domaine', 'sans preuve', 'juillet 2027'],
      en: ['Results report of the cooperation', 'By domain', 'no evidence', 'July 2027'],
      ar: ['تقرير نتائج التعاون', 'حسب المجال', 'بلا إثبات', '2027'],
    };
    for (const lang of ['fr', 'en', 'ar']) {
      const html = await get(`?format=html&lang=${lang}`);
      expect(html.statusCode).toBe(200);
      expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
      for (const word of words[lang]) expect(html.body).toContain(word);
      const pdf = await get(`?format=pdf&lang=${lang}`);
      expect(pdf.statusCode).toBe(200);
      expect(pdf.headers['content-type']).toBe('application/pdf');
      expect(pdf.headers['content-disposition']).toBe(
        `inline; filename="results-report-${agreementId}-2014-03-12-2027-07-01.pdf"`,
      );
      expect(pdf.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      // The PDF says the same words, read back by pdftotext (white space and direction marks aside).
      const letters = (text: string) => text.replace(/[\s\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g, '');
      const text = letters(pdfText(pdf.rawPayload));
      for (const word of words[lang])
        expect({ lang, word, found: text.includes(letters(word)) }).toEqual({ lang, word, found: true });
      // The pictures in the README: ACCORD_DOCS_IMAGES=1 npx jest test/results-report.e2e-spec.ts
      if (process.env.ACCORD_DOCS_IMAGES === '1' && lang !== 'en') {
        pdfPageToPng(pdf.rawPayload, `${__dirname}/../docs/report-${lang}`, 1, 70);
      }
    }
  });

  it('answers 400 problems for a bad period, format or language, and 404 for an unknown agreement', async () => {
    const problem = async (query: string, field: string) => {
      const r = await get(query);
      expect(r.statusCode).toBe(400);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(r.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [expect.objectContaining({ field })] });
    };
    await problem('?from=yesterday', 'from');
    await problem('?to=2027-02-30', 'to');
    await problem('?from=2027-06-01&to=2027-05-01', 'from');
    await problem('?from=2000-01-01&to=2010-01-01', 'to'); // before the agreement was registered
    await problem('?format=xlsx', 'format');
    await problem('?lang=de', 'lang');
    const unknown = await t.request({
      method: 'GET',
      url: '/agreements/0b6c3a52-3f6e-4d7b-9b7e-0c9f1f0e0a11/report',
      key: auditor,
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('NOT_FOUND');
  });
});
