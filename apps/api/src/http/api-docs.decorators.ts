import { applyDecorators } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  ApiProperty,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { ProblemDetails } from './problem';

export class EventRefDto {
  @ApiProperty({ example: 'CommitmentProposed' }) type!: string;
  @ApiProperty({ example: 0 }) revision!: number;
}

export class CommandAcceptedDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: "The stream's revision after the command (also the ETag)", example: 0 })
  revision!: number;
  @ApiProperty({ description: 'Global position of the last event: pass it as ?after= to read your write', example: 42 })
  position!: number;
  @ApiProperty({ type: [EventRefDto] }) events!: EventRefDto[];
}

type Headers = Record<string, { description: string; schema: { type: 'string' | 'integer' } }>;

/** The headers an answer of this status carries (problem-details.filter.ts sets them). */
const PROBLEM_HEADERS: Record<number, Headers> = {
  401: { 'WWW-Authenticate': { description: 'Bearer realm="accord"', schema: { type: 'string' } } },
  503: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } },
};

const problem = (status: number, description: string) =>
  ApiResponse({
    status,
    description,
    headers: PROBLEM_HEADERS[status],
    content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDetails) } } },
  });

const ETAG: Headers = { ETag: { description: 'The revision, as a strong ETag ("3")', schema: { type: 'string' } } };

/** The errors every authenticated route can answer. */
export const ApiCommonErrors = () =>
  applyDecorators(
    ApiExtraModels(ProblemDetails),
    ApiBearerAuth(),
    problem(400, 'VALIDATION_FAILED: one entry per bad field in `errors`'),
    problem(401, 'UNAUTHENTICATED: no valid API key'),
    problem(403, 'FORBIDDEN: the role or party may not do this'),
  );

/** A command route: the success shape, the headers it reads, and every error it can answer. */
export const ApiCommand = (options: { creates: boolean; summary?: string }) =>
  applyDecorators(
    ApiCommonErrors(),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'Retries with the same key and body get the first response',
    }),
    ApiHeader({
      name: 'If-Match',
      required: false,
      description:
        'Expected revision as an ETag ("3"), a list ("3", "4") or *; compared strongly (W/"3" never matches); a mismatch is 412',
    }),
    ApiHeader({
      name: 'X-Correlation-Id',
      required: false,
      description: 'Carried into every event; generated when absent',
    }),
    options.creates
      ? ApiCreatedResponse({
          type: CommandAcceptedDto,
          description: 'Created; ETag is the revision, Location what was created',
          headers: {
            ...ETAG,
            Location: { description: 'The created resource (/commitments/{id})', schema: { type: 'string' } },
          },
        })
      : ApiOkResponse({ type: CommandAcceptedDto, description: 'Accepted; ETag is the revision', headers: ETAG }),
    problem(404, 'NOT_FOUND'),
    problem(409, 'IDEMPOTENCY_KEY_REUSED, CONFLICT, or WRONG_EXPECTED_REVISION when retries without If-Match ran out'),
    problem(412, 'WRONG_EXPECTED_REVISION (with currentRevision): If-Match does not hold'),
    problem(413, 'PAYLOAD_TOO_LARGE: body over 1 MiB'),
    problem(415, 'UNSUPPORTED_MEDIA_TYPE: send application/json'),
    problem(422, 'ILLEGAL_TRANSITION (with state and command) or RULE_VIOLATED (with rule)'),
  );
