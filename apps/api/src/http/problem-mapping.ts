import { DomainError } from '@accord/commitments';
import {
  DuplicateEventIdError,
  EventStoreError,
  InvalidAppendError,
  StoreClosedError,
  WrongExpectedRevisionError,
} from '@accord/event-store';
import { HttpException } from '@nestjs/common';
import { ProblemException } from './problem';

const DOMAIN_STATUS: Record<DomainError['code'], number> = {
  ILLEGAL_TRANSITION: 422,
  RULE_VIOLATED: 422,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
};

/** Fastify's own errors (raised before a route runs): body parsing, size, media type. */
const FASTIFY: Record<string, [number, ProblemException['code']]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'PAYLOAD_TOO_LARGE'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'VALIDATION_FAILED'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'VALIDATION_FAILED'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'VALIDATION_FAILED'],
  FST_ERR_NOT_FOUND: [404, 'NOT_FOUND'],
};

const HTTP_STATUS_CODES: Record<number, ProblemException['code']> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  503: 'SERVICE_UNAVAILABLE',
};

/** Turns anything thrown while serving a request into the problem it is. Unknown → 500. */
export function toProblemException(error: unknown): ProblemException {
  if (error instanceof ProblemException) return error;
  if (error instanceof DomainError) {
    const extras: Record<string, unknown> = {};
    for (const key of ['state', 'command', 'rule', 'entity', 'id'] as const) {
      const value = (error as unknown as Record<string, unknown>)[key];
      if (value !== undefined) extras[key] = value;
    }
    return new ProblemException(DOMAIN_STATUS[error.code], error.code, error.message, extras);
  }
  if (error instanceof WrongExpectedRevisionError) {
    return new ProblemException(409, 'WRONG_EXPECTED_REVISION', error.message, {
      currentRevision: error.actual === 'no_stream' ? null : error.actual,
    });
  }
  if (error instanceof DuplicateEventIdError) return new ProblemException(409, 'CONFLICT', error.message);
  if (error instanceof InvalidAppendError) return new ProblemException(400, 'VALIDATION_FAILED', error.message);
  if (error instanceof StoreClosedError) return new ProblemException(503, 'SERVICE_UNAVAILABLE', error.message);
  if (error instanceof EventStoreError) return new ProblemException(500, 'INTERNAL', 'The event store failed');
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = HTTP_STATUS_CODES[status];
    if (code) return new ProblemException(status, code, error.message);
  }
  const fastifyCode = (error as { code?: unknown })?.code;
  if (typeof fastifyCode === 'string' && FASTIFY[fastifyCode]) {
    const [status, code] = FASTIFY[fastifyCode];
    return new ProblemException(status, code, (error as Error).message);
  }
  // A JSON body that does not parse reaches us as a SyntaxError with statusCode 400.
  const statusCode = (error as { statusCode?: unknown })?.statusCode;
  if (typeof statusCode === 'number' && HTTP_STATUS_CODES[statusCode] && statusCode < 500) {
    return new ProblemException(statusCode, HTTP_STATUS_CODES[statusCode], (error as Error).message);
  }
  return new ProblemException(500, 'INTERNAL', 'An unexpected error occurred; it has been logged');
}
