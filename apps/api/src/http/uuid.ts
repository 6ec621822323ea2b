import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { isUUID, IsUUID, type ValidationOptions } from 'class-validator';
import { ProblemException } from './problem';

/**
 * UUIDs are case-insensitive (RFC 9562): the upper-case form names the same commitment,
 * agreement or session. Every id that enters the API goes through one of the two below, so
 * that streams, read models and answers only ever hold the lower-case form.
 */
const lowerCaseId = (value: unknown): unknown => (typeof value === 'string' ? value.toLowerCase() : value);

/** A path parameter that must be a UUID (the versions @IsUUID takes, any case), handed on in lower case. */
@Injectable()
export class UuidPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (typeof value === 'string' && isUUID(value)) return value.toLowerCase();
    throw new ProblemException(400, 'VALIDATION_FAILED', `${metadata.data ?? 'id'} must be a UUID`);
  }
}

/** The pipe every controller puts on its id parameters: `@Param('id', uuid)`. */
export const uuid = new UuidPipe();

/** A body or query field that must be a UUID (any case); the DTO holds it in lower case. */
export function IsNormalizedUuid(options?: ValidationOptions): PropertyDecorator {
  const lower = Transform(({ value }) => lowerCaseId(value));
  const validate = IsUUID(undefined, options);
  return (target, property) => {
    lower(target, property);
    validate(target, property);
  };
}
