import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Every stable error code the API answers with; clients branch on these, never on text. */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'WRONG_EXPECTED_REVISION',
  'IDEMPOTENCY_KEY_REUSED',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'ILLEGAL_TRANSITION',
  'RULE_VIOLATED',
  'METHOD_NOT_ALLOWED',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'INTERNAL',
  'EVIDENCE_EMPTY',
  'EVIDENCE_TOO_LARGE',
  'EVIDENCE_NOT_FOUND',
  'EVIDENCE_CORRUPTED',
  'WEBHOOK_TARGET_REFUSED',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class FieldError {
  @ApiProperty({ example: 'percent' }) field!: string;
  @ApiProperty({ example: ['percent must not be greater than 100'] }) messages!: string[];
}

/** RFC 9457 problem details, with accord's machine-readable `code`. */
export class ProblemDetails {
  @ApiProperty({ example: 'https://accord.dev/problems/validation-failed' }) type!: string;
  @ApiProperty({ example: 'Validation failed' }) title!: string;
  @ApiProperty({ type: 'integer', example: 400 }) status!: number;
  @ApiProperty({ enum: ERROR_CODES }) code!: ErrorCode;
  @ApiPropertyOptional() detail?: string;
  @ApiPropertyOptional({ example: '/commitments/5f0c…/progress' }) instance?: string;
  @ApiPropertyOptional({ type: [FieldError] }) errors?: FieldError[];
  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    description: 'For WRONG_EXPECTED_REVISION and CONFLICT: the revision the stream is at (null: it does not exist)',
  })
  currentRevision?: number | null;
  [extra: string]: unknown;
}

const TITLES: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'Validation failed',
  UNAUTHENTICATED: 'Authentication required',
  FORBIDDEN: 'Forbidden',
  NOT_FOUND: 'Not found',
  WRONG_EXPECTED_REVISION: 'Wrong expected revision',
  IDEMPOTENCY_KEY_REUSED: 'Idempotency key reused with another request',
  CONFLICT: 'Conflict',
  PAYLOAD_TOO_LARGE: 'Payload too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  ILLEGAL_TRANSITION: 'Illegal transition',
  RULE_VIOLATED: 'Rule violated',
  METHOD_NOT_ALLOWED: 'Method not allowed',
  RATE_LIMITED: 'Too many requests',
  SERVICE_UNAVAILABLE: 'Service unavailable',
  INTERNAL: 'Internal error',
  EVIDENCE_EMPTY: 'Evidence is empty',
  EVIDENCE_TOO_LARGE: 'Evidence too large',
  EVIDENCE_NOT_FOUND: 'Evidence not found',
  EVIDENCE_CORRUPTED: 'Evidence corrupted',
  WEBHOOK_TARGET_REFUSED: 'Webhook target refused',
};

/** An error that already knows its HTTP answer. */
export class ProblemException extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    detail: string,
    readonly extras: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'ProblemException';
  }

  toProblem(instance?: string): ProblemDetails {
    return {
      type: `https://accord.dev/problems/${this.code.toLowerCase().replace(/_/g, '-')}`,
      title: TITLES[this.code],
      status: this.status,
      code: this.code,
      detail: this.message,
      ...(instance ? { instance } : {}),
      ...this.extras,
    };
  }
}
