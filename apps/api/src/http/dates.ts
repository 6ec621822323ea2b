import { parseInstant } from '@accord/audit';
import { ValidateBy, type ValidationOptions } from 'class-validator';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date written YYYY-MM-DD that exists: 2027-02-28 is one, 2027-02-30 and 2027-13-01 are not. */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // Date.UTC would read years 0–99 as 1900–1999
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * A field that must be a calendar date (`isIsoDate`). Its name, `isIsoDate`, is what the
 * OpenAPI document reads to say `format: date` (http/validation-schema.ts).
 */
export function IsIsoDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIsoDate',
      validator: {
        validate: (value: unknown) => isIsoDate(value),
        defaultMessage: (args) => `${args?.property} must be a date YYYY-MM-DD that exists, e.g. 2027-06-30`,
      },
    },
    options,
  );
}

/**
 * A field that must be an ISO-8601 instant with its offset (Z or ±hh:mm) on a real date; the
 * document says `format: date-time`.
 */
export function IsInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isInstant',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && parseInstant(value) !== undefined,
        defaultMessage: (args) =>
          `${args?.property} must be an ISO-8601 instant with an offset, e.g. 2027-01-31T12:00:00Z`,
      },
    },
    options,
  );
}
