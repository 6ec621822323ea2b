const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_INSTANT_UTC = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?Z$/;
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** A real calendar date written `YYYY-MM-DD` (2024-02-29 yes, 2025-02-29 no). */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return day <= days;
}

/** A UTC instant as `toISOString` writes it; UTC only, so that its date is a plain prefix. */
export function isIsoInstant(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = ISO_INSTANT_UTC.exec(value);
  return match !== null && isIsoDate(match[1]);
}

/** The UTC calendar date of an instant accepted by `isIsoInstant`. */
export function utcDateOf(instant: string): string {
  return instant.slice(0, 10);
}

export function isNonBlank(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

export function isOptionalText(value: unknown): value is string | undefined {
  return value === undefined || typeof value === 'string';
}

/** Scheme and something after it (`https://…`, `urn:…`, `s3://…`); reachability is not the domain's business. */
export function isUri(value: unknown): value is string {
  return typeof value === 'string' && URI.test(value);
}

export function isListOfNonBlank(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every(isNonBlank);
}

export function hasDuplicates(values: readonly string[]): boolean {
  return new Set(values).size !== values.length;
}

/** A SHA-256 digest as 64 lower-case hex digits (the name of an evidence file). */
export function isSha256(value: unknown): value is string {
  return typeof value === 'string' && SHA256.test(value);
}
