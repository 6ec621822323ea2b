import {
  addendumDocument,
  minutesContent,
  minutesDocument,
  renderHtml,
  type DocumentLang,
  type DocumentModel,
} from '@accord/documents';
import { Get, Param, ParseIntPipe, Query, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiProblem } from '../http/api-docs.decorators';
import { ProblemException } from '../http/problem';
import { ReadController } from '../http/read-controller';
import { uuid } from '../http/uuid';
import { AddendumViewDto, MinutesQueryDto, MinutesViewDto, type MinutesFormat } from './minutes.dto';
import { PdfService } from '../documents/documents.module';
import { MinutesService } from './minutes.service';

const documentNumber = new ParseIntPipe({
  exceptionFactory: () =>
    new ProblemException(400, 'VALIDATION_FAILED', 'document must be an addendum number', {
      errors: [{ field: 'document', messages: ['document must be a whole number from 1'] }],
    }),
});

const DOCUMENT_CONTENT = {
  'application/json': { schema: { $ref: getSchemaPath(MinutesViewDto) } },
  'text/html': { schema: { type: 'string', description: 'A standalone HTML page, printable' } },
  'application/pdf': {
    schema: { type: 'string', format: 'binary', description: 'A PDF with its content hash embedded' },
  },
} as const;

/**
 * The minutes of a session, generated from its events alone, in French, English and Arabic.
 * Every role reads them; a delegation approves them (POST /sessions/{id}/minutes/approvals).
 */
@ReadController()
@ApiExtraModels(MinutesViewDto, AddendumViewDto)
export class MinutesController {
  constructor(
    private readonly minutes: MinutesService,
    private readonly pdf: PdfService,
  ) {}

  @Get('sessions/:id/minutes')
  @ApiOperation({
    summary: 'The minutes of a session: their content and hash, or the document in HTML or PDF, in fr, en or ar',
    description:
      'Drawn from the events alone: the agreement and its parties, date, venue, attendance, the agenda with each ' +
      "commitment's title and domain as they stood at the session, every position in order (changes included), each " +
      'decision with its notes, each deferral, the opening and closing times. `format=json` (default) gives the ' +
      'content, its `contentHash` (SHA-256 of its canonical JSON, RFC 8785), the approvals and the adoption; ' +
      '`format=html|pdf` the document in `lang` (fr by default; ar is right to left), with the hash in every page. ' +
      'Before the session closes the minutes are a draft, which cannot be approved.',
  })
  @ApiProduces('application/json', 'text/html', 'application/pdf')
  @ApiOkResponse({ description: 'The minutes', content: DOCUMENT_CONTENT })
  @ApiProblem(404, 'NOT_FOUND: no such session')
  async get(
    @Param('id', uuid) sessionId: string,
    @Query() query: MinutesQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MinutesViewDto | string | Buffer> {
    const sources = await this.minutes.sources(sessionId);
    const format = query.format ?? 'json';
    if (format === 'json') return this.minutes.view(sessionId, sources);
    const model = minutesDocument(minutesContent(sources), query.lang ?? 'fr');
    return send(reply, model, format, `minutes-${sessionId}-${model.lang}`, this.pdf);
  }

  @Get('sessions/:id/minutes/addenda/:document')
  @ApiOperation({
    summary: 'An addendum to the minutes, in HTML or PDF (or its content as JSON)',
    description:
      'A correction of adopted minutes is a document of its own, with its own content hash, approved and adopted ' +
      'separately; the minutes stay as adopted. `format=json` gives the content and its hash.',
  })
  @ApiParam({ name: 'document', description: 'The addendum number, from 1', schema: { type: 'integer', minimum: 1 } })
  @ApiProduces('application/json', 'text/html', 'application/pdf')
  @ApiOkResponse({
    description: 'The addendum',
    content: { ...DOCUMENT_CONTENT, 'application/json': { schema: { $ref: getSchemaPath(AddendumViewDto) } } },
  })
  @ApiProblem(404, 'NOT_FOUND: no such session or addendum')
  async addendum(
    @Param('id', uuid) sessionId: string,
    @Param('document', documentNumber) document: number,
    @Query() query: MinutesQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const sources = await this.minutes.sources(sessionId);
    const content = this.minutes.addendum(sources, document);
    const format = query.format ?? 'json';
    if (format === 'json') return this.minutes.view(sessionId, sources).addenda.find((a) => a.document === document);
    const model = addendumDocument(content, query.lang ?? 'fr');
    return send(reply, model, format, `minutes-${sessionId}-addendum-${document}-${model.lang}`, this.pdf);
  }
}

async function send(
  reply: FastifyReply,
  model: DocumentModel,
  format: Exclude<MinutesFormat, 'json'>,
  name: string,
  pdf: PdfService,
): Promise<string | Buffer> {
  void reply.header('Content-Language', model.lang as DocumentLang);
  if (model.contentHash) void reply.header('ETag', `"${model.contentHash}-${model.lang}-${format}"`);
  if (format === 'html') {
    void reply.type('text/html; charset=utf-8');
    return renderHtml(model);
  }
  void reply.type('application/pdf');
  void reply.header('Content-Disposition', `inline; filename="${name}.pdf"`);
  return pdf.render(model);
}
