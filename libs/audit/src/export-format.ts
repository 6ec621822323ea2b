import type { NewEvent, RecordedEvent } from '@accord/event-store';
import { canonicalJson } from '@accord/event-store';
import { eventTime } from './event-time';

/**
 * The export formats, one JSON object per line.
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
 * `cloudevents` is CloudEvents 1.0 in its JSON format, for other systems; it is not
 * imported. `time` is occurredAt; accord's own fields are extension attributes.
 */
export type ExportFormat = 'ndjson' | 'cloudevents';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['ndjson', 'cloudevents'];

/** An event as an ndjson export line holds it. */
export interface ExportedEvent {
  readonly streamId: string;
  readonly revision: number;
  readonly position: number;
  readonly id: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: Readonly<Record<string, unknown>>;
}

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

/** One CloudEvents 1.0 JSON line, without its newline. */
export function toCloudEventLine(event: RecordedEvent): string {
  const { hash, prevHash } = event.metadata;
  return (
    `{"specversion":"1.0","id":${JSON.stringify(event.id)},"source":${JSON.stringify(`accord/${event.streamId}`)}` +
    `,"type":${JSON.stringify(event.type)},"time":${JSON.stringify(eventTime(event))}` +
    `,"datacontenttype":"application/json"` +
    // Extension attributes: lower-case letters and digits only (CloudEvents 1.0, "Attribute Naming").
    `,"revision":${event.revision},"position":${event.position},"schemaversion":${event.schemaVersion}` +
    `,"recordedat":${JSON.stringify(event.recordedAt)}` +
    `,"prevhash":${JSON.stringify(typeof prevHash === 'string' ? prevHash : null)}` +
    `,"hash":${JSON.stringify(typeof hash === 'string' ? hash : null)}` +
    // The whole metadata, canonical, so that a consumer can recompute the hash.
    `,"metadata":${JSON.stringify(json(event.metadata))}` +
    `,"data":${json(event.data)}}`
  );
}

export class ExportFormatError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'ExportFormatError';
  }
}

/** Reads one ndjson export line back, checking its shape (not its hashes: LogVerifier does). */
export function parseNdjsonLine(text: string, line: number): ExportedEvent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ExportFormatError(line, `not JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ExportFormatError(line, 'not an event object');
  }
  const event = value as Record<string, unknown>;
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
  if ('recordedAt' in event || 'specversion' in event) {
    throw new ExportFormatError(line, 'not an accord ndjson export line (export with --format ndjson)');
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
