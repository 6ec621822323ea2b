import { commitmentStatuses } from '@accord/commitments';
import type { DocumentBlock, DocumentLang, DocumentModel } from '../render/document-model';
import { formatReportDate, formatReportNumber, reportMessages, type ReportMessages } from './report-messages';
import { evaluationOutcomeOrder, grades, type GroupFigures, type ResultsReport } from './results-report';

/**
 * The printable results report: the same figures as the JSON, worded in the language asked
 * for (report-messages.ts), drawn by renderHtml/renderPdf. Titles, domains and venues are the
 * parties' own words and stay as written.
 */
export function reportDocument(report: ResultsReport, lang: DocumentLang): DocumentModel {
  const m = reportMessages[lang];
  const n = (value: number | null) => formatReportNumber(value, lang);
  const date = (iso: string, withTime = false) => formatReportDate(iso, lang, withTime);
  const gradeName = (grade: GroupFigures['grade']) => (grade === null ? m.notGraded : m.grades[grade]);
  const blocks: DocumentBlock[] = [];

  blocks.push({
    kind: 'fields',
    rows: [
      { label: m.period, value: `${date(report.period.from)} – ${date(report.period.to)}` },
      { label: m.generatedFrom, value: m.asOfPosition(report.generatedFrom.position) },
      { label: m.commitments, value: n(report.overall.total) },
    ],
  });

  const summaryColumns = [
    { label: m.commitments, align: 'end' as const },
    { label: m.graded, align: 'end' as const },
    { label: m.averageProgress, align: 'end' as const },
    { label: m.weightedProgress, align: 'end' as const },
    { label: m.groupGrade },
    { label: m.overdue, align: 'end' as const },
    { label: m.extended, align: 'end' as const },
  ];
  const summary = (f: GroupFigures) => [
    n(f.total),
    n(f.graded),
    n(f.averageProgress),
    n(f.weightedProgress),
    gradeName(f.grade),
    n(f.overdue),
    n(f.extended),
  ];

  blocks.push({ kind: 'heading', level: 1, text: m.overall });
  blocks.push({ kind: 'table', columns: summaryColumns, rows: [summary(report.overall)] });
  blocks.push(statusTable(m, n, report.overall));
  blocks.push(evaluationTable(m, n, report.overall));

  blocks.push({ kind: 'heading', level: 1, text: m.byDomain });
  blocks.push({
    kind: 'table',
    columns: [{ label: m.domain }, ...summaryColumns],
    rows: report.byDomain.map((d) => [d.domain, ...summary(d)]),
  });
  blocks.push({
    kind: 'bar-chart',
    title: m.gradesByDomain,
    unit: m.commitments,
    categories: report.byDomain.map((d) => d.domain),
    series: grades.map((g) => ({ label: m.grades[g], values: report.byDomain.map((d) => d.grades[g]) })),
    stacked: true,
  });
  for (const d of report.byDomain) {
    if (d.total === 0) continue;
    blocks.push({ kind: 'heading', level: 2, text: d.domain });
    blocks.push(statusTable(m, n, d));
    blocks.push(gradeTable(m, n, d));
    blocks.push(evaluationTable(m, n, d));
  }

  blocks.push({ kind: 'heading', level: 1, text: m.byParty });
  const partyName = (code: string) => report.parties.find((p) => p.code === code)?.name ?? code;
  blocks.push({
    kind: 'table',
    columns: [{ label: m.party }, ...summaryColumns],
    rows: report.byParty.map((p) => [`${partyName(p.party)} (${p.party})`, ...summary(p)]),
  });
  for (const p of report.byParty) {
    if (p.total === 0) continue;
    blocks.push({ kind: 'heading', level: 2, text: `${partyName(p.party)} (${p.party})` });
    blocks.push(statusTable(m, n, p));
    blocks.push(gradeTable(m, n, p));
    blocks.push(evaluationTable(m, n, p));
  }

  blocks.push({ kind: 'heading', level: 1, text: m.overdueItems });
  if (report.overdueItems.length === 0) blocks.push({ kind: 'paragraph', text: m.noneInPeriod, tone: 'muted' });
  else
    blocks.push({
      kind: 'table',
      columns: [
        { label: m.commitment, width: 0.5 },
        { label: m.domain, width: 0.2 },
        { label: m.party, width: 0.1 },
        { label: m.dueDate, width: 0.2 },
      ],
      rows: report.overdueItems.map((o) => [o.title, o.domain, o.proposingParty, date(o.overdueFor)]),
    });

  blocks.push({ kind: 'heading', level: 1, text: m.extendedItems });
  if (report.extendedItems.length === 0) blocks.push({ kind: 'paragraph', text: m.noneInPeriod, tone: 'muted' });
  else
    blocks.push({
      kind: 'table',
      columns: [
        { label: m.commitment },
        { label: m.previousDueDate },
        { label: m.newDueDate },
        { label: m.extendedOn },
      ],
      rows: report.extendedItems.map((e) => [
        e.title,
        e.previousDueDate === null ? '—' : date(e.previousDueDate),
        date(e.dueDate),
        date(e.extendedAt),
      ]),
    });

  blocks.push({ kind: 'heading', level: 1, text: m.sessions });
  if (report.sessions.length === 0) blocks.push({ kind: 'paragraph', text: m.noneInPeriod, tone: 'muted' });
  else
    blocks.push({
      kind: 'table',
      columns: [
        { label: m.closedOn },
        { label: m.venue },
        { label: m.decided, align: 'end' },
        { label: m.deferred, align: 'end' },
      ],
      rows: report.sessions.map((s) => [date(s.closedAt), s.venue, n(s.decided), n(s.deferred)]),
    });
  for (const s of report.sessions) {
    if (s.decisions.length === 0) continue;
    blocks.push({ kind: 'heading', level: 2, text: `${m.session} · ${s.venue} · ${date(s.closedAt)}` });
    blocks.push({
      kind: 'table',
      columns: [{ label: m.kind }, { label: m.outcome }, { label: m.count, align: 'end' }],
      rows: s.decisions.map((d) => [m.kinds[d.kind] ?? d.kind, m.positions[d.outcome] ?? d.outcome, n(d.count)]),
    });
  }

  blocks.push({ kind: 'heading', level: 1, text: m.trends });
  if (report.trends.length === 0) blocks.push({ kind: 'paragraph', text: m.noneInPeriod, tone: 'muted' });
  else {
    const points = report.trends.map((t) => `${t.venue} ${date(t.closedAt)}`);
    blocks.push({
      kind: 'line-chart',
      title: m.trendChart,
      unit: '%',
      points,
      series: [
        { label: m.averageProgress, values: report.trends.map((t) => t.averageProgress ?? 0) },
        { label: m.weightedProgress, values: report.trends.map((t) => t.weightedProgress ?? 0) },
      ],
    });
    blocks.push({
      kind: 'table',
      columns: [
        { label: m.session },
        { label: m.graded, align: 'end' },
        { label: m.averageProgress, align: 'end' },
        { label: m.weightedProgress, align: 'end' },
        ...grades.map((g) => ({ label: m.grades[g], align: 'end' as const })),
      ],
      rows: report.trends.map((t, i) => [
        points[i],
        n(t.graded),
        n(t.averageProgress),
        n(t.weightedProgress),
        ...grades.map((g) => n(t.grades[g])),
      ]),
    });
  }

  blocks.push({ kind: 'heading', level: 1, text: m.method });
  blocks.push({ kind: 'paragraph', text: m.weights });
  blocks.push({ kind: 'list', ordered: false, items: m.methodNotes });

  return {
    kind: 'results-report',
    lang,
    title: m.title,
    subtitle: m.subtitle(report.agreementTitle),
    date: report.period.to,
    footer: m.footer(report.generatedFrom.position),
    blocks,
  };
}

type Num = (value: number | null) => string;

function statusTable(m: ReportMessages, n: Num, f: GroupFigures): DocumentBlock {
  return {
    kind: 'table',
    caption: m.status,
    columns: [{ label: m.status }, { label: m.count, align: 'end' }],
    rows: commitmentStatuses.filter((s) => f.byStatus[s] > 0).map((s) => [m.statuses[s], n(f.byStatus[s])]),
  };
}

function gradeTable(m: ReportMessages, n: Num, f: GroupFigures): DocumentBlock {
  return {
    kind: 'table',
    caption: m.grade,
    columns: [{ label: m.grade }, { label: m.count, align: 'end' }],
    rows: grades.map((g) => [m.grades[g], n(f.grades[g])]),
  };
}

function evaluationTable(m: ReportMessages, n: Num, f: GroupFigures): DocumentBlock {
  return {
    kind: 'table',
    caption: m.evaluations,
    columns: [{ label: m.outcome }, { label: m.count, align: 'end' }],
    rows: evaluationOutcomeOrder.map((o) => [m.outcomes[o], n(f.evaluation[o])]),
  };
}
