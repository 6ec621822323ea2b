import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ProblemException } from './problem';

function flatten(errors: ValidationError[], prefix = ''): { field: string; messages: string[] }[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * Entries listed in a 400's `errors`, the first ones: a body within the shape limits can
 * still fail on 6,000 fields, and listing them all made a 470 KB problem that took longer
 * to build and send than the validation itself.
 */
export const MAX_LISTED_ERRORS = 100;

/** class-validator on every body and query: unknown fields refused, one entry per bad field (up to MAX_LISTED_ERRORS). */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: false,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const entries = flatten(errors);
      const listed = entries.length > MAX_LISTED_ERRORS ? `; the first ${MAX_LISTED_ERRORS} are listed` : '';
      return new ProblemException(
        400,
        'VALIDATION_FAILED',
        `${entries.length} field${entries.length === 1 ? '' : 's'} failed validation${listed}`,
        { errors: entries.slice(0, MAX_LISTED_ERRORS) },
      );
    },
  });
}
