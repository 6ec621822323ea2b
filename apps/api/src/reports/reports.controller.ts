import { createHash } from 'node:crypto';
import { renderHtml, reportCsv, reportDocument } from '@accord/documents';
import { Get, Param, Query, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiProduces, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiProblem } from '../http/api-docs.decorators';
import { ReadController } from '../http/read-controller';
import { uuid } from '../http/uuid';
import { ApiReadModelUnavailable } from '../sessions/current-tables';
import { ReportQueryDto } from './report-query.dto';
import { ResultsReportDto } from './results-report.dto';
import { ResultsReportReader } from './results-report.reader';
import { PdfService } from '../documents/documents.module';
import { OpenDataBuilder } from './open-data';

/**
 * The results report of an agreement for a period: the figures the mixed committee evaluates
 * the cooperation by. Every role that reads the agreement's dashboard reads it (ReadController).
 */
@ReadController()
@ApiExtraModels(ResultsReportDto)
export class ReportsController {
  constructor(
    private readonly reader: ResultsReportReader,
    private readonly openData: OpenDataBuilder,
    private readonly pdf: PdfService,
  ) {}

  @Get('agreements/:id/report')
  @ApiOperation({
    summary: 'The results report of an agreement for a period: JSON, CSV (open data), HTML or PDF',
    description:
      "Folded from the agreement's, its commitments' and its sessions' events as of the period end " +
      '(`to`, now by default), from the log as it stood when the request came in (`generatedFrom`): per domain, ' +
      'per party and overall, commitments by status, average and priority-weighted progress, completion grades ' +
      "on the Open Government Partnership's scale, evaluation outcomes, overdue and extended items; decisions per " +
      'session closed in the period and the figures as of each closing (trends). The rules are in `method` and ' +
      'docs/decisions/0031. `format=csv` is one row per commitment (RFC 4180, UTF-8, header row; text cells ' +
      "starting with = + - @ are prefixed with ' so that spreadsheets never run them); its columns are " +
      'documented by reportCsvColumns in libs/documents.',
  })
  @ApiProduces('application/json', 'text/csv', 'text/html', 'application/pdf')
  @ApiOkResponse({
    description:
      'The report: application/json; text/csv; charset=utf-8 (attachment); text/html; charset=utf-8; application/pdf (inline)',
    headers: {
      'Content-Disposition': {
        description:
          'For csv: attachment; filename="results-report-<agreement>-<from>-<to>.csv"; for pdf: inline, the same name in .pdf',
        schema: { type: 'string' },
      },
    },
    content: {
      'application/json': { schema: { $ref: getSchemaPath(ResultsReportDto) } },
      'text/csv': { schema: { type: 'string', example: 'commitmentId,agreementId,title,…\r\n' } },
      'text/html': { schema: { type: 'string', description: 'A standalone HTML page in `lang`, printable' } },
      'application/pdf': { schema: { type: 'string', format: 'binary', description: 'The PDF in `lang`' } },
    },
  })
  @ApiProblem(404, 'NOT_FOUND: no such agreement')
  @ApiReadModelUnavailable()
  async report(
    @Param('id', uuid) id: string,
    @Query() query: ReportQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const report = await this.reader.report(id, { from: query.from, to: query.to });
    const format = query.format ?? 'json';
    const filename = `results-report-${id}-${report.period.from.slice(0, 10)}-${report.period.to.slice(0, 10)}`;
    if (format === 'csv') {
      void reply.type('text/csv; charset=utf-8');
      void reply.header('content-disposition', `attachment; filename="${filename}.csv"`);
      return reportCsv(report);
    }
    if (format === 'html') {
      void reply.type('text/html; charset=utf-8');
      return renderHtml(reportDocument(report, query.lang ?? 'fr'));
    }
    if (format === 'pdf') {
      void reply.type('application/pdf');
      void reply.header('content-disposition', `inline; filename="${filename}.pdf"`);
      return this.pdf.render(reportDocument(report, query.lang ?? 'fr'));
    }
    return report;
  }

  @Get('agreements/:id/open-data.zip')
  @ApiOperation({
    summary:
      "The agreement's open data for publication: the report's CSV and JSON, the commitments, the adopted minutes",
    description:
      'A zip of: `report.csv` (one row per commitment, its columns typed and described in `datapackage.json`, a ' +
      'Frictionless data package), `report.json` (the results report over the whole life of the agreement), ' +
      '`commitments.json`, `README.md`, and under `minutes/` every adopted minutes and addendum: `<session>.json` ' +
      '(content, content hash, approvals) and the document in fr, en and ar as HTML and PDF (the PDF that ' +
      '`accord minutes verify` accepts). Drawn from one prefix of the log with every entry dated by its last ' +
      'event, so the same log gives the same bytes; ETag is their SHA-256.',
  })
  @ApiProduces('application/zip')
  @ApiOkResponse({
    description: 'The archive, application/zip (attachment)',
    headers: {
      ETag: { description: 'The SHA-256 of the archive', schema: { type: 'string' } },
      'Content-Disposition': {
        description: 'attachment; filename="open-data-<agreement>.zip"',
        schema: { type: 'string' },
      },
    },
    content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiProblem(404, 'NOT_FOUND: no such agreement')
  @ApiReadModelUnavailable()
  async openDataZip(@Param('id', uuid) id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer> {
    const archive = await this.openData.build(id);
    const bytes = Buffer.from(archive.bytes.buffer, archive.bytes.byteOffset, archive.bytes.byteLength);
    void reply.type('application/zip');
    void reply.header('content-disposition', `attachment; filename="open-data-${id}.zip"`);
    void reply.header('etag', `"${createHash('sha256').update(bytes).digest('hex')}"`);
    return bytes;
  }
}
