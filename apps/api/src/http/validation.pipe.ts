import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ProblemException } from './problem';

function flatten(errors: ValidationError[], prefix = ''): { field: string; messages: string[] }[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** class-validator on every body and query: unknown fields refused, one entry per bad field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: false,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const entries = flatten(errors);
      return new ProblemException(
        400,
        'VALIDATION_FAILED',
        `${entries.length} field${entries.length === 1 ? '' : 's'} failed validation`,
        { errors: entries },
      );
    },
  });
}
