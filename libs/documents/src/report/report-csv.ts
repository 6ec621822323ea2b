import type { CommitmentRow, ResultsReport } from './results-report';

/**
 * The open-data file of a results report: one row per commitment with its state as of the
 * period's end. RFC 4180 (CRLF line ends, every field quoted when it holds a comma, a quote
 * or a line break, quotes doubled), UTF-8 with a header row. The column documentation is
 * data too, so that it is published with the file.
 */

export interface CsvColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date' | 'date-time' | 'list';
  readonly description: string;
}

const FORMULA_NOTE =
  " A text cell that starts with =, +, -, @, a tab or a carriage return is prefixed with a single quote (') so that a spreadsheet shows it and never runs it as a formula.";

interface Column extends CsvColumn {
  readonly value: (row: CommitmentRow) => string | number | boolean | null;
}

const COLUMNS: readonly Column[] = [
  { name: 'commitmentId', type: 'string', description: "The commitment's UUID.", value: (r) => r.commitmentId },
  { name: 'agreementId', type: 'string', description: "The agreement's UUID.", value: (r) => r.agreementId },
  {
    name: 'title',
    type: 'string',
    description: "The commitment's title as of the period end." + FORMULA_NOTE,
    value: (r) => r.title,
  },
  {
    name: 'domain',
    type: 'string',
    description: 'The cooperation domain it belongs to.' + FORMULA_NOTE,
    value: (r) => r.domain,
  },
  {
    name: 'proposingParty',
    type: 'string',
    description: 'The code of the party that proposed it and acts on it.',
    value: (r) => r.proposingParty,
  },
  {
    name: 'leadAgencies',
    type: 'list',
    description: 'The lead agencies, joined by ";".' + FORMULA_NOTE,
    value: (r) => r.leadAgencies.join(';'),
  },
  {
    name: 'priority',
    type: 'string',
    description: 'low, normal or high (weights 1, 2, 3 in the weighted progress).',
    value: (r) => r.priority,
  },
  {
    name: 'status',
    type: 'string',
    description:
      'proposed, under_review, changes_requested, approved, in_progress, completed, evaluated, suspended, rejected, withdrawn or closed.',
    value: (r) => r.status,
  },
  {
    name: 'progressPercent',
    type: 'number',
    description:
      'The progress the report counts: the last percent reported (0 when none), 100 once completed, evaluated or closed.',
    value: (r) => r.progressPercent,
  },
  {
    name: 'reportedPercent',
    type: 'number',
    description: 'The last percent reported, 0 when none was.',
    value: (r) => r.reportedPercent,
  },
  {
    name: 'grade',
    type: 'string',
    description:
      'no_evidence, not_started, limited, substantial or complete (docs/decisions/0031); empty when not graded (before approval, withdrawn, rejected).',
    value: (r) => r.grade,
  },
  {
    name: 'evaluationOutcome',
    type: 'string',
    description: "The committee's evaluation: achieved, partially_achieved or not_achieved; empty when not evaluated.",
    value: (r) => r.evaluationOutcome,
  },
  {
    name: 'dueDate',
    type: 'date',
    description: 'The due date (YYYY-MM-DD) as of the period end; empty when none.',
    value: (r) => r.dueDate,
  },
  {
    name: 'overdue',
    type: 'boolean',
    description: 'true when it became overdue and was neither extended nor completed since.',
    value: (r) => r.overdue,
  },
  {
    name: 'overdueFor',
    type: 'date',
    description: 'The due date it is overdue for; empty when not overdue.',
    value: (r) => r.overdueFor,
  },
  {
    name: 'extensions',
    type: 'integer',
    description: 'How many times its due date was extended, up to the period end.',
    value: (r) => r.extensions,
  },
  {
    name: 'extensionsInPeriod',
    type: 'integer',
    description: 'Of those, how many within the period.',
    value: (r) => r.extensionsInPeriod,
  },
  {
    name: 'progressReports',
    type: 'integer',
    description: 'How many progress reports it had.',
    value: (r) => r.progressReports,
  },
  {
    name: 'evidenceCount',
    type: 'integer',
    description: 'Evidence items given with its progress reports and its completion.',
    value: (r) => r.evidenceCount,
  },
  {
    name: 'proposedAt',
    type: 'date-time',
    description: 'When it was proposed (ISO-8601).',
    value: (r) => r.proposedAt,
  },
  {
    name: 'lastEventAt',
    type: 'date-time',
    description: 'When its last event within the period occurred (ISO-8601).',
    value: (r) => r.lastEventAt,
  },
  {
    name: 'revision',
    type: 'integer',
    description: 'The last revision of its stream the row reflects.',
    value: (r) => r.revision,
  },
];

/** The columns of the CSV, in order: publish them with the file. */
export const reportCsvColumns: readonly CsvColumn[] = COLUMNS.map(({ name, type, description }) => ({
  name,
  type,
  description,
}));

const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV field: a neutralised formula start, then quoted when RFC 4180 needs it. */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The CSV of a report: header row, then one row per commitment, CRLF after each. */
export function reportCsv(report: ResultsReport): string {
  const lines = [COLUMNS.map((c) => csvField(c.name)).join(',')];
  for (const row of report.commitments) lines.push(COLUMNS.map((c) => csvField(c.value(row))).join(','));
  return lines.map((line) => `${line}\r\n`).join('');
}
