import type { NewEvent, RecordedEvent } from '@accord/event-store';
import { canonicalJson } from '@accord/event-store';
import { parseCloudEventLine } from './cloudevents-format';
import { ExportFormatError, type ExportedEvent } from './export-event';

export { ExportFormatError, type ExportedEvent } from './export-event';

/**
 * The export formats, one JSON object per line. Both are importable, and both carry
 * everything the hashes cover, so an import verifies exactly as the source.
 *
 * `ndjson` is the envelope minus `recordedAt`, keys always in this order, `data` and
 * `metadata` in RFC 8785 canonical form, so the same log always gives the same bytes:
 *
 *     {"streamId":…,"revision":…,"position":…,"id":…,"type":…,"schemaVersion":…,"data":{…},"metadata":{…}}
 *
 * Everything in it but `position` is covered by the event's hash; the line order is the
 * global order, which the running digest covers. `recordedAt` is left out because no
 * store takes it from a writer: an import gets the target's commit instants, and an
 * export of the imported store could not give the same bytes (time travel goes by
 * `metadata.occurredAt`, which is in the file). `position` is the source's: an import
 * into an empty SQLite store reproduces it when the source has no gaps (see import).
 *
 * `cloudevents` is CloudEvents 1.0 in its JSON format, for other systems: the metadata as
 * flat extension attributes, `dataschema` naming the event type's JSON Schema under
 * schemas/events (cloudevents-format.ts has the mapping).
 */
export type ExportFormat = 'ndjson' | 'cloudevents';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['ndjson', 'cloudevents'];

const json = (value: unknown): string => {
  const text = canonicalJson(value);
  if (text === undefined) throw new TypeError('cannot export undefined');
  return text;
};

/** One ndjson line, without its newline. */
export function toNdjsonLine(event: RecordedEvent | ExportedEvent): string {
  return (
    `{"streamId":${JSON.stringify(event.streamId)},"revision":${event.revision},"position":${event.position}` +
    `,"id":${JSON.stringify(event.id)},"type":${JSON.stringify(event.type)},"schemaVersion":${event.schemaVersion}` +
    `,"data":${json(event.data)},"metadata":${json(event.metadata)}}`
  );
}

/**
 * Reads one line of an export back, in whichever format it is written (a CloudEvent has
 * `specversion`), checking its shape (not its hashes: LogVerifier does).
 */
export function parseExportLine(text: string, line: number): { format: ExportFormat; event: ExportedEvent } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ExportFormatError(line, `not JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ExportFormatError(line, 'not an event object');
  }
  const fields = value as Record<string, unknown>;
  if ('specversion' in fields) return { format: 'cloudevents', event: parseCloudEventLine(fields, line) };
  return { format: 'ndjson', event: ndjsonEvent(fields, line) };
}

/** Reads one ndjson export line back, checking its shape (not its hashes: LogVerifier does). */
export function parseNdjsonLine(text: string, line: number): ExportedEvent {
  const { format, event } = parseExportLine(text, line);
  if (format !== 'ndjson') throw new ExportFormatError(line, 'a CloudEvent, not an ndjson export line');
  return event;
}

function ndjsonEvent(event: Record<string, unknown>, line: number): ExportedEvent {
  const fail = (field: string, what: string): never => {
    throw new ExportFormatError(line, `${field} must be ${what}`);
  };
  if (typeof event.streamId !== 'string' || event.streamId === '') fail('streamId', 'a non-empty string');
  if (!isWhole(event.revision, 0)) fail('revision', 'a whole number, 0 or more');
  if (!isWhole(event.position, 1)) fail('position', 'a whole number above 0');
  if (typeof event.id !== 'string' || event.id === '') fail('id', 'a non-empty string');
  if (typeof event.type !== 'string' || event.type === '') fail('type', 'a non-empty string');
  if (!isWhole(event.schemaVersion, 1)) fail('schemaVersion', 'a whole number above 0');
  if (!('data' in event)) fail('data', 'present');
  if (typeof event.metadata !== 'object' || event.metadata === null || Array.isArray(event.metadata)) {
    fail('metadata', 'an object');
  }
  if ('recordedAt' in event) {
    throw new ExportFormatError(line, 'not an accord ndjson export line (it has recordedAt)');
  }
  return event as unknown as ExportedEvent;
}

/** The event to append so that the target records the same id, type, data and metadata. */
export function toNewEvent(event: ExportedEvent): NewEvent {
  return {
    id: event.id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    metadata: event.metadata,
  };
}

function isWhole(value: unknown, minimum: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= minimum;
}
