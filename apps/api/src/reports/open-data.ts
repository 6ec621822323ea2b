import {
  addendumDocument,
  documentLangs,
  minutesContent,
  minutesDocument,
  renderHtml,
  reportCsv,
  reportCsvColumns,
  type DocumentModel,
  type ResultsReport,
} from '@accord/documents';
import { Injectable } from '@nestjs/common';
import { zip, type Zippable } from 'fflate';
import { PdfService } from '../documents/documents.module';
import { MinutesService } from '../minutes/minutes.service';
import { ResultsReportReader } from './results-report.reader';

/** What GET /agreements/{id}/open-data.zip holds, for publication. */
export interface OpenDataArchive {
  readonly bytes: Uint8Array;
  readonly report: ResultsReport;
  readonly files: readonly string[];
}

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const json = (value: unknown): Uint8Array => text(`${JSON.stringify(value, null, 2)}\n`);

/**
 * The agreement's open data: the results report (CSV and JSON) with the CSV's columns in a
 * Frictionless data package, and every adopted minutes and addendum (content and hash as JSON,
 * the document in each language as HTML and as the PDF that `accord minutes verify` accepts).
 * Built from one prefix of the log, with every entry dated by its last event, so the same log
 * gives the same archive, byte for byte.
 */
@Injectable()
export class OpenDataBuilder {
  constructor(
    private readonly reports: ResultsReportReader,
    private readonly minutes: MinutesService,
    private readonly pdf: PdfService,
  ) {}

  async build(agreementId: string): Promise<OpenDataArchive> {
    // The report as of the agreement's last event, not of now: the same log gives the same archive.
    const latest = await this.reports.report(agreementId, {});
    const asOf = latest.generatedFrom.lastEventAt;
    const report = asOf === null ? latest : await this.reports.report(agreementId, { to: asOf });
    const mtime = new Date(report.generatedFrom.lastEventAt ?? report.period.to);
    const files: Record<string, Uint8Array> = {
      'report.json': json(report),
      'report.csv': text(reportCsv(report)),
      'commitments.json': json(report.commitments),
    };
    const published: { sessionId: string; document: number; contentHash: string; adoptedAt: string }[] = [];
    for (const session of report.sessions) {
      const sources = await this.minutes.sources(session.sessionId);
      const view = this.minutes.view(session.sessionId, sources);
      const documents: { number: number; model: (lang: (typeof documentLangs)[number]) => DocumentModel }[] = [];
      if (view.status === 'adopted') {
        const content = minutesContent(sources);
        documents.push({ number: 0, model: (lang) => minutesDocument(content, lang) });
        published.push({
          sessionId: session.sessionId,
          document: 0,
          contentHash: view.contentHash,
          adoptedAt: view.adoptedAt!,
        });
      }
      for (const addendum of view.addenda.filter((a) => a.status === 'adopted')) {
        const content = this.minutes.addendum(sources, addendum.document);
        documents.push({ number: addendum.document, model: (lang) => addendumDocument(content, lang) });
        published.push({
          sessionId: session.sessionId,
          document: addendum.document,
          contentHash: addendum.contentHash,
          adoptedAt: addendum.adoptedAt!,
        });
      }
      if (documents.length === 0) continue;
      files[`minutes/${session.sessionId}.json`] = json(view);
      for (const { number, model } of documents) {
        const name = number === 0 ? session.sessionId : `${session.sessionId}-addendum-${number}`;
        for (const lang of documentLangs) {
          const document = model(lang);
          files[`minutes/${name}.${lang}.html`] = text(renderHtml(document));
          files[`minutes/${name}.${lang}.pdf`] = new Uint8Array(await this.pdf.render(document));
        }
      }
    }
    files['datapackage.json'] = json(dataPackage(report, published));
    files['README.md'] = text(readme(report, published.length));
    const names = Object.keys(files).sort();
    const entries: Zippable = {};
    for (const name of names) entries[name] = [files[name], { mtime, level: name.endsWith('.pdf') ? 0 : 6 }];
    const bytes = await new Promise<Uint8Array>((resolve, reject) =>
      zip(entries, { mtime }, (error, data) => (error ? reject(error) : resolve(data))),
    );
    return { bytes, report, files: names };
  }
}

/** A Frictionless data package (datapackage.json): each file, and the CSV's columns with their types. */
function dataPackage(
  report: ResultsReport,
  minutes: readonly { sessionId: string; document: number; contentHash: string; adoptedAt: string }[],
) {
  const frictionless = (type: string) =>
    // A list is written as text, its items joined by ';' (the column's description says so).
    (
      ({ integer: 'integer', number: 'number', boolean: 'boolean', date: 'date', 'date-time': 'datetime' }) as Record<
        string,
        string
      >
    )[type] ?? 'string';
  return {
    profile: 'data-package',
    name: `accord-agreement-${report.agreementId}`,
    title: report.agreementTitle,
    created: report.generatedFrom.lastEventAt,
    description:
      'Open data of a cooperation agreement, drawn by accord from its event log: the results report and the ' +
      'adopted minutes of its mixed committee.',
    accord: { generatedFrom: report.generatedFrom, period: report.period, minutes },
    resources: [
      {
        name: 'commitments',
        path: 'report.csv',
        profile: 'tabular-data-resource',
        format: 'csv',
        mediatype: 'text/csv',
        encoding: 'utf-8',
        dialect: { delimiter: ',', lineTerminator: '\r\n', header: true },
        schema: {
          fields: reportCsvColumns.map((c) => ({
            name: c.name,
            type: frictionless(c.type),
            description: c.description,
          })),
          primaryKey: 'commitmentId',
        },
      },
      { name: 'report', path: 'report.json', format: 'json', mediatype: 'application/json' },
      { name: 'commitments-json', path: 'commitments.json', format: 'json', mediatype: 'application/json' },
    ],
  };
}

function readme(report: ResultsReport, minutes: number): string {
  return [
    `# ${report.agreementTitle}`,
    '',
    `Open data drawn by accord from the agreement's event log, as of log position ${report.generatedFrom.position}` +
      ` (last event ${report.generatedFrom.lastEventAt ?? 'none'}).`,
    '',
    '- `report.csv`: one row per commitment with its current state; the columns are described in `datapackage.json`.',
    '- `report.json`: the results report (per domain, per party, sessions, trends); its rules are in its `method`.',
    '- `commitments.json`: the rows of `report.csv` as JSON.',
    `- \`minutes/\`: the ${minutes} adopted minutes and addenda: \`<session>.json\` (content, content hash, approvals),` +
      ' and each document in French, English and Arabic as HTML and PDF.',
    '',
    'A PDF of adopted minutes carries its content hash; `accord minutes verify <file.pdf>` checks it against the log.',
    '',
  ].join('\n');
}
