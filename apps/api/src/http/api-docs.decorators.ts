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
import type { Type } from '@nestjs/common';
import { ProblemDetails } from './problem';

export class EventRefDto {
  @ApiProperty({ example: 'CommitmentProposed' }) type!: string;
  @ApiProperty({ type: 'integer', example: 0 }) revision!: number;
}

export class CommandAcceptedDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: 'integer', description: "The stream's revision after the command (also the ETag)", example: 0 })
  revision!: number;
  @ApiProperty({
    type: 'integer',
    description: 'Global position of the last event: pass it as ?after= to read your write',
    example: 42,
  })
  position!: number;
  @ApiProperty({ type: [EventRefDto] }) events!: EventRefDto[];
}

type Headers = Record<string, { description: string; schema: { type: 'string' | 'integer' } }>;

/** The headers an answer of this status carries (problem-details.filter.ts sets them). */
const PROBLEM_HEADERS: Record<number, Headers> = {
  401: { 'WWW-Authenticate': { description: 'Bearer realm="accord"', schema: { type: 'string' } } },
  429: {
    'Retry-After': { description: 'Seconds until the budget is renewed', schema: { type: 'integer' } },
    'RateLimit-Limit': { description: 'Requests per window (ACCORD_RATE_LIMIT)', schema: { type: 'integer' } },
    'RateLimit-Remaining': { description: 'Requests left in this window: 0', schema: { type: 'integer' } },
    'RateLimit-Reset': { description: 'Seconds until the window ends', schema: { type: 'integer' } },
  },
  503: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } },
};

/** A problem answer of this status (application/problem+json), with the headers it carries. */
export const ApiProblem = (status: number, description: string) =>
  ApiResponse({
    status,
    description,
    headers: PROBLEM_HEADERS[status],
    content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDetails) } } },
  });

const ETAG: Headers = { ETag: { description: 'The revision, as a strong ETag ("3")', schema: { type: 'string' } } };

/**
 * A read route: its 200 shape (a DTO class, or `[Class]` for an array), the ETag and the 304
 * it answers when `etag`, the 404 of a by-id read when `notFound`, and the 503 of `?after=`
 * when `after` (the read model did not reach that position in time). The 400, 401 and 403 of
 * every authenticated route come from ApiCommonErrors on the controller.
 */
export const ApiRead = (options: {
  type: Type<unknown> | [Type<unknown>];
  description: string;
  etag?: boolean;
  notFound?: boolean;
  after?: boolean;
}) =>
  applyDecorators(
    ApiOkResponse({ type: options.type, description: options.description, headers: options.etag ? ETAG : undefined }),
    ...(options.etag
      ? [
          ApiResponse({
            status: 304,
            description: 'Not Modified: If-None-Match names the current revision (weak comparison, a list or *)',
            headers: ETAG,
          }),
          ApiHeader({
            name: 'If-None-Match',
            required: false,
            description: 'ETags ("3", a list, or *): a match answers 304 with no body',
          }),
        ]
      : []),
    ...(options.notFound ? [ApiProblem(404, 'NOT_FOUND: no such resource')] : []),
    ...(options.after
      ? [ApiProblem(503, 'SERVICE_UNAVAILABLE: the read model did not reach ?after= in time; retry')]
      : []),
  );

/** The errors every authenticated route can answer. */
export const ApiCommonErrors = () =>
  applyDecorators(
    ApiExtraModels(ProblemDetails),
    ApiBearerAuth(),
    ApiProblem(400, 'VALIDATION_FAILED: one entry per bad field in `errors`'),
    ApiProblem(401, 'UNAUTHENTICATED: no valid API key'),
    ApiProblem(403, 'FORBIDDEN: the role or party may not do this'),
    ApiProblem(429, 'RATE_LIMITED: this API key (or address) is over ACCORD_RATE_LIMIT; retry after Retry-After'),
    ApiProblem(500, 'INTERNAL: an unexpected error, logged with the request id; nothing was appended'),
    ApiProblem(503, 'SERVICE_UNAVAILABLE: the instance is stopping or its store is closed; retry'),
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
    ApiProblem(404, 'NOT_FOUND'),
    ApiProblem(
      409,
      'IDEMPOTENCY_KEY_REUSED, CONFLICT, or WRONG_EXPECTED_REVISION when retries without If-Match ran out',
    ),
    ApiProblem(412, 'WRONG_EXPECTED_REVISION (with currentRevision): If-Match does not hold'),
    ApiProblem(413, 'PAYLOAD_TOO_LARGE: body over 1 MiB'),
    ApiProblem(415, 'UNSUPPORTED_MEDIA_TYPE: send application/json'),
    ApiProblem(422, 'ILLEGAL_TRANSITION (with state and command) or RULE_VIOLATED (with rule)'),
  );
