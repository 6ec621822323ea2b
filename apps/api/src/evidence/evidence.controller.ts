import { Controller, Get, Head, HttpCode, Inject, Logger, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Roles } from '../auth/auth.decorators';
import { ApiCommonErrors, ApiProblem } from '../http/api-docs.decorators';
import { ProblemException } from '../http/problem';
import { EVIDENCE_MEDIA_TYPES } from './evidence-body';
import { EvidenceStoredDto } from './evidence.dto';
import {
  EVIDENCE_STORE,
  EvidenceCorruptedError,
  SHA256_HEX,
  type EvidenceFile,
  type EvidenceStore,
} from './evidence-store.port';

const uriOf = (sha256: string) => `/evidence/${sha256}`;
const stored = (file: EvidenceFile): EvidenceStoredDto => ({ ...file, uri: uriOf(file.sha256) });

const DOWNLOAD_HEADERS = {
  ETag: { description: 'The SHA-256, quoted: "<sha256>"', schema: { type: 'string' as const } },
  'Cache-Control': {
    description: 'private, max-age=31536000, immutable: the bytes never change',
    schema: { type: 'string' as const },
  },
  'Content-Disposition': { description: 'attachment; filename="<sha256>"', schema: { type: 'string' as const } },
  'X-Content-Type-Options': { description: 'nosniff', schema: { type: 'string' as const } },
};
const binary = Object.fromEntries(
  EVIDENCE_MEDIA_TYPES.map((type) => [type, { schema: { type: 'string', format: 'binary' } }]),
);

/**
 * Evidence files, content-addressed (decision 0030): uploaded as raw bytes, named by their
 * SHA-256, and served only while they still hash to that name.
 */
@ApiTags('evidence')
@Controller('evidence')
@ApiCommonErrors()
export class EvidenceController {
  private readonly logger = new Logger('Evidence');

  constructor(@Inject(EVIDENCE_STORE) private readonly store: EvidenceStore) {}

  @Post()
  @Roles('integration', 'delegate', 'secretariat')
  @ApiOperation({
    summary: 'Upload an evidence file; it is named by its SHA-256',
    description:
      "The body is the file's bytes, with the file's Content-Type. 201 names it by its SHA-256; the same bytes again answer 200 " +
      "with the same body (the first upload's type is kept). Name the hash as `sha256` in the evidence of a progress report " +
      'or a completion, so that the event (and its hash chain) covers the document itself. Over ACCORD_EVIDENCE_MAX_BYTES ' +
      '(20 MiB by default) is 413 EVIDENCE_TOO_LARGE and nothing is stored; an empty body is 400 EVIDENCE_EMPTY.',
  })
  @ApiConsumes(...EVIDENCE_MEDIA_TYPES)
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiResponse({
    status: 201,
    type: EvidenceStoredDto,
    description: 'Stored',
    headers: { Location: { description: '/evidence/<sha256>', schema: { type: 'string' } } },
  })
  @ApiOkResponse({ type: EvidenceStoredDto, description: 'The same bytes were stored before: nothing changed' })
  @ApiProblem(413, 'EVIDENCE_TOO_LARGE: over ACCORD_EVIDENCE_MAX_BYTES; nothing stored')
  @ApiProblem(415, 'UNSUPPORTED_MEDIA_TYPE: not one of the evidence media types')
  @HttpCode(201)
  async upload(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EvidenceStoredDto> {
    const body = request.body;
    if (body === undefined || body === null || (Buffer.isBuffer(body) && body.length === 0)) {
      throw new ProblemException(400, 'EVIDENCE_EMPTY', "The body is empty: send the file's bytes");
    }
    if (!Buffer.isBuffer(body)) {
      throw new ProblemException(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        `Send the file's bytes with its own type (${EVIDENCE_MEDIA_TYPES.join(', ')}); application/octet-stream for any other`,
      );
    }
    const mediaType = String(request.headers['content-type']).trim().toLowerCase();
    const { file, created } = await this.store.put(body, mediaType);
    void reply.status(created ? 201 : 200);
    if (created) void reply.header('location', uriOf(file.sha256));
    return stored(file);
  }

  @Head(':sha256')
  @Roles('integration', 'delegate', 'secretariat', 'auditor')
  @ApiOperation({
    summary: "An evidence file's headers: whether it is stored, its type and size",
    description: 'As GET without the body; the bytes are not read, so not checked either (GET checks them).',
  })
  @ApiParam({ name: 'sha256', description: 'SHA-256, 64 lower-case hex digits' })
  @ApiOkResponse({ description: 'Stored', headers: DOWNLOAD_HEADERS })
  @ApiResponse({ status: 404, description: 'EVIDENCE_NOT_FOUND (no body: HEAD)' })
  async head(@Param('sha256') sha256: string, @Res() reply: FastifyReply): Promise<void> {
    const file = SHA256_HEX.test(sha256) ? await this.store.find(sha256) : undefined;
    if (!file) return void reply.status(SHA256_HEX.test(sha256) ? 404 : 400).send();
    downloadHeaders(reply, file);
    void reply.header('content-length', file.size).status(200).send();
  }

  @Get(':sha256')
  @Roles('integration', 'delegate', 'secretariat', 'auditor')
  @ApiOperation({
    summary: 'Download an evidence file, checked against its name',
    description:
      'The bytes with the type they were uploaded as, as an attachment. They are hashed as they are read: bytes that ' +
      'no longer hash to their name (the stored file or row was changed) are never served; that is 409 ' +
      'EVIDENCE_CORRUPTED with the `expected` and the `found` hash, and the API logs an error.',
  })
  @ApiParam({ name: 'sha256', description: 'SHA-256, 64 lower-case hex digits' })
  @ApiProduces(...EVIDENCE_MEDIA_TYPES)
  @ApiResponse({ status: 200, description: 'The bytes', headers: DOWNLOAD_HEADERS, content: binary })
  @ApiProblem(404, 'EVIDENCE_NOT_FOUND: nothing is stored under this hash')
  @ApiProblem(409, 'EVIDENCE_CORRUPTED (with expected and found): the stored bytes were changed; not served')
  async download(@Param('sha256') sha256: string, @Res() reply: FastifyReply): Promise<void> {
    if (!SHA256_HEX.test(sha256)) {
      throw new ProblemException(400, 'VALIDATION_FAILED', 'sha256 must be 64 lower-case hex digits', {
        errors: [{ field: 'sha256', messages: ['sha256 must be 64 lower-case hex digits'] }],
      });
    }
    let found: Awaited<ReturnType<EvidenceStore['read']>>;
    try {
      found = await this.store.read(sha256);
    } catch (error) {
      if (!(error instanceof EvidenceCorruptedError)) throw error;
      this.logger.error(error.message);
      throw new ProblemException(409, 'EVIDENCE_CORRUPTED', error.message, {
        expected: error.expected,
        found: error.found,
      });
    }
    if (!found) throw new ProblemException(404, 'EVIDENCE_NOT_FOUND', `No evidence is stored as ${sha256}`);
    downloadHeaders(reply, found.file);
    void reply.status(200).send(found.content);
  }
}

function downloadHeaders(reply: FastifyReply, file: EvidenceFile): void {
  void reply
    .type(file.mediaType)
    .header('etag', `"${file.sha256}"`)
    .header('cache-control', 'private, max-age=31536000, immutable')
    .header('content-disposition', `attachment; filename="${file.sha256}"`)
    .header('x-content-type-options', 'nosniff');
}
