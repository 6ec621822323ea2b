import type { RecordedEvent } from '@accord/event-store';

/**
 * The instant time travel and export windows go by: `metadata.occurredAt`, the instant the
 * command was received, else the store's `recordedAt`. occurredAt is covered by the event's
 * hash, so it cannot be moved without verify noticing, and it travels unchanged through
 * export, import and store copies; recordedAt is the store's, neither. It is not strictly
 * ordered in the log (a command retried after a conflict keeps its instant), so time travel
 * stops at the first event past the instant: the state is always a prefix of the log.
 */
export function eventTime(event: Pick<RecordedEvent, 'metadata' | 'recordedAt'>): string {
  const occurredAt = event.metadata.occurredAt;
  return typeof occurredAt === 'string' ? occurredAt : event.recordedAt;
}

/** Milliseconds since the epoch of eventTime (NaN when it is not a date). */
export function eventInstant(event: Pick<RecordedEvent, 'metadata' | 'recordedAt'>): number {
  return Date.parse(eventTime(event));
}

/** An ISO-8601 instant with its offset: 2026-11-29T10:00:00Z, 2026-11-29T11:00:00.250+01:00. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Milliseconds since the epoch, or undefined when `text` is not an instant with an offset. */
export function parseInstant(text: string): number | undefined {
  if (!INSTANT.test(text)) return undefined;
  // Date.parse rolls an impossible day over (2027-02-30 is read as March 2nd): refuse it.
  const [year, month, day] = text.slice(0, 10).split('-').map(Number);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // Date.UTC would read years 0–99 as 1900–1999
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
