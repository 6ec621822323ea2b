import type { RecordedEvent } from '@accord/event-store';
import { canonicalJson } from '@accord/event-store';
import { ExportFormatError, type ExportedEvent } from './export-event';

/**
 * accord's events as CloudEvents 1.0 in the JSON event format, one per line, that a consumer
 * routes and reads without a second parse, and that `accord import` reads back without loss
 * (docs/decisions/0019-cloudevents-export.md says why each choice):
 *
 *     {"specversion":"1.0","id":…,"source":"/accord","type":"dev.accord.CommitmentProposed.v1",
 *      "subject":"commitment-…","time":…,"datacontenttype":"application/json",
 *      "dataschema":"https://accord.dev/schemas/events/CommitmentProposed.v1.json",
 *      "revision":0,"position":7,"actorid":…,"actorparty":"MA","actorrole":"integration",
 *      "causationid":…,"commandid":…,"correlationid":…,"hash":…,"prevhash":…,"data":{…}}
 *
 * | envelope                 | CloudEvents attribute                                              |
 * | ------------------------ | ------------------------------------------------------------------ |
 * | `id`                     | `id`                                                               |
 * | `streamId`               | `subject`                                                          |
 * | `type`, `schemaVersion`  | `type` = `dev.accord.<type>.v<schemaVersion>`, and `dataschema`    |
 * | `revision`, `position`   | `revision`, `position` (Integer; a decimal string past 2^31 − 1)   |
 * | `data`                   | `data`, canonical JSON                                             |
 * | `metadata.occurredAt`    | `time`                                                             |
 * | `metadata.commandId`     | `commandid`; `correlationId` → `correlationid`, `causationId` →   |
 * |                          | `causationid`, `prevHash` → `prevhash`, `hash` → `hash`            |
 * | `metadata.actor`         | `actorid`, `actorrole`, `actorparty` (its `id`, `role`, `party`)   |
 * | any other metadata key k | `k` itself, when k is already 1–20 of a-z 0-9 and not taken above  |
 * | whatever is left         | `metadatajson`: the canonical JSON of an object of those members   |
 *
 * A member gets its attribute only when its value is a CloudEvents scalar: a boolean, an
 * integer from −2^31 to 2^31 − 1, or a non-empty string without the characters CloudEvents
 * forbids (controls, noncharacters, lone surrogates); `occurredAt` only when it is an RFC 3339
 * timestamp; `actor` only when it is an object of nothing but `id`, `role` and `party`, each
 * such a scalar. Anything else (an object, an array, null, a fraction, a name with a capital
 * that is not in the table, a name CloudEvents or this table already uses) keeps its key and
 * value in `metadatajson`, so every metadata member has exactly one place and the import puts
 * each back under its own key. `recordedAt` is left out, as in ndjson: no store takes it from
 * a writer. `source` is the producer (`--source`, else `/accord`); the import does not read it.
 */

/** The reverse-DNS prefix of every type accord exports. */
export const CLOUDEVENTS_TYPE_PREFIX = 'dev.accord.';
export const DEFAULT_CLOUDEVENTS_SOURCE = '/accord';
/** Where the repository's `schemas/events/<type>.v<version>.json` are published: their `$id`s. */
export const EVENT_SCHEMA_BASE_URI = 'https://accord.dev/schemas/events/';

/** `dev.accord.CommitmentProposed.v1`. */
export function cloudEventType(type: string, schemaVersion: number): string {
  return `${CLOUDEVENTS_TYPE_PREFIX}${type}.v${schemaVersion}`;
}

/** `https://accord.dev/schemas/events/CommitmentProposed.v1.json`, the `$id` of that schema. */
export function eventSchemaUri(type: string, schemaVersion: number): string {
  return `${EVENT_SCHEMA_BASE_URI}${type}.v${schemaVersion}.json`;
}

export interface CloudEventOptions {
  /** The `source` attribute (a URI-reference); `/accord` by default. */
  readonly source?: string;
  /** Whether a schema is published for this type and version: only then is `dataschema` written. */
  readonly hasSchema?: (type: string, schemaVersion: number) => boolean;
}

/** Metadata members with an attribute name of their own (a name with capitals cannot be one). */
const NAMED = new Map<string, string>([
  ['commandId', 'commandid'],
  ['correlationId', 'correlationid'],
  ['causationId', 'causationid'],
  ['prevHash', 'prevhash'],
  ['hash', 'hash'],
]);
const ACTOR = new Map<string, string>([
  ['id', 'actorid'],
  ['role', 'actorrole'],
  ['party', 'actorparty'],
]);
const METADATA_JSON = 'metadatajson';
/**
 * Names a metadata key of its own cannot take: the CloudEvents 1.0 context attributes and
 * members of the JSON format, the 0.3 names the SDK still treats specially, and accord's own.
 */
const RESERVED = new Set([
  'specversion',
  'id',
  'source',
  'type',
  'subject',
  'time',
  'datacontenttype',
  'dataschema',
  'data',
  'schemaurl',
  'datacontentencoding',
  'revision',
  'position',
  METADATA_JSON,
  ...NAMED.values(),
  ...ACTOR.values(),
]);
const BY_ATTRIBUTE = new Map([...NAMED].map(([key, attribute]) => [attribute, key]));
const ACTOR_BY_ATTRIBUTE = new Map([...ACTOR].map(([key, attribute]) => [attribute, key]));

/** CloudEvents 1.0, "Attribute Naming": a-z and 0-9, and (SHOULD) at most 20 characters. */
const ATTRIBUTE_NAME = /^[a-z0-9]{1,20}$/;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** What CloudEvents 1.0 forbids in a String: controls, noncharacters and lone surrogates. */
const FORBIDDEN_IN_STRING = new RegExp(
  '[\\u0000-\\u001f\\u007f-\\u009f\\ufdd0-\\ufdef\\ufffe\\uffff\\ud800-\\udfff' +
    Array.from({ length: 16 }, (_, i) => `\\u{${(i + 1).toString(16)}fffe}\\u{${(i + 1).toString(16)}ffff}`).join('') +
    ']',
  'gu',
);

/** A non-empty string that CloudEvents accepts as a String. */
export function isCloudEventsString(value: unknown): value is string {
  if (typeof value !== 'string' || value === '') return false;
  FORBIDDEN_IN_STRING.lastIndex = 0;
  return !FORBIDDEN_IN_STRING.test(value);
}

/** A value that goes into an attribute of its own: Boolean, Integer, or String. */
function isScalar(value: unknown): value is string | number | boolean {
  if (typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX;
  return isCloudEventsString(value);
}

/** RFC 3339 `date-time` (what CloudEvents' Timestamp is), with a real calendar date and clock. */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$/;

export function isRfc3339Timestamp(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = RFC3339.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (days === undefined || day < 1 || day > days) return false;
  if (hour > 23 || minute > 59 || second > 60) return false;
  return match[9] === undefined || (Number(match[10]) <= 23 && Number(match[11]) <= 59);
}

function isFlatActor(value: unknown): value is Record<string, string | number | boolean> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return entries.length > 0 && entries.every(([key, member]) => ACTOR.has(key) && isScalar(member));
}

/** An integer attribute: a JSON number in the Integer range, else its decimal string. */
const integer = (value: number): string => (value <= INT32_MAX ? `${value}` : JSON.stringify(String(value)));

const json = (value: unknown): string => {
  const text = canonicalJson(value);
  if (text === undefined) throw new TypeError('cannot export undefined');
  return text;
};

/** JSON text with the characters a CloudEvents String forbids escaped (JSON has escaped the controls). */
function cloudEventsSafe(text: string): string {
  return text.replace(FORBIDDEN_IN_STRING, (found) =>
    Array.from({ length: found.length }, (_, i) => `\\u${found.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''),
  );
}

/** One CloudEvents 1.0 JSON line, without its newline. */
export function toCloudEventLine(event: RecordedEvent | ExportedEvent, options: CloudEventOptions = {}): string {
  const fail = (what: string): never => {
    throw new TypeError(`${event.streamId} revision ${event.revision} cannot be a CloudEvent: ${what}`);
  };
  if (!isCloudEventsString(event.id)) fail('its id is not a CloudEvents string');
  if (!isCloudEventsString(event.streamId)) fail('its stream id is not a CloudEvents string');
  if (!isCloudEventsString(event.type)) fail('its type is not a CloudEvents string');
  const source = options.source ?? DEFAULT_CLOUDEVENTS_SOURCE;
  let time: string | undefined;
  const attributes: [string, string | number | boolean][] = [];
  const rest: [string, unknown][] = [];
  for (const [key, value] of Object.entries(event.metadata)) {
    if (value === undefined) continue;
    if (key === 'occurredAt' && isRfc3339Timestamp(value)) time = value;
    else if (NAMED.has(key) && isScalar(value)) attributes.push([NAMED.get(key)!, value]);
    else if (key === 'actor' && isFlatActor(value)) {
      for (const [member, scalar] of Object.entries(value)) attributes.push([ACTOR.get(member)!, scalar]);
    } else if (ATTRIBUTE_NAME.test(key) && !RESERVED.has(key) && isScalar(value)) attributes.push([key, value]);
    else rest.push([key, value]);
  }
  attributes.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const schema = options.hasSchema?.(event.type, event.schemaVersion)
    ? eventSchemaUri(event.type, event.schemaVersion)
    : undefined;
  let line =
    `{"specversion":"1.0","id":${JSON.stringify(event.id)},"source":${JSON.stringify(source)}` +
    `,"type":${JSON.stringify(cloudEventType(event.type, event.schemaVersion))}` +
    `,"subject":${JSON.stringify(event.streamId)}` +
    (time === undefined ? '' : `,"time":${JSON.stringify(time)}`) +
    `,"datacontenttype":"application/json"` +
    (schema === undefined ? '' : `,"dataschema":${JSON.stringify(schema)}`) +
    `,"revision":${integer(event.revision)},"position":${integer(event.position)}`;
  for (const [name, value] of attributes) line += `,"${name}":${JSON.stringify(value)}`;
  if (rest.length > 0) {
    line += `,"${METADATA_JSON}":${JSON.stringify(cloudEventsSafe(json(Object.fromEntries(rest))))}`;
  }
  return `${line},"data":${json(event.data)}}`;
}

const TYPE = /^dev\.accord\.([\s\S]+)\.v([1-9]\d*)$/;
const CONTEXT = new Set(['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'dataschema']);

/**
 * Reads one CloudEvents line of an accord export back into the envelope, checking its shape
 * (not its hashes: LogVerifier does, so a file changed on the way does not verify).
 */
export function parseCloudEventLine(value: Record<string, unknown>, line: number): ExportedEvent {
  const fail = (field: string, what: string): never => {
    throw new ExportFormatError(line, `${field} must be ${what}`);
  };
  if (value.specversion !== '1.0') fail('specversion', '"1.0"');
  if (typeof value.id !== 'string' || value.id === '') fail('id', 'a non-empty string');
  if (typeof value.source !== 'string' || value.source === '') fail('source', 'a non-empty string');
  const type = typeof value.type === 'string' ? TYPE.exec(value.type) : null;
  if (type === null) fail('type', `"${CLOUDEVENTS_TYPE_PREFIX}<type>.v<schema version>"`);
  const schemaVersion = Number(type![2]);
  if (!Number.isSafeInteger(schemaVersion)) fail('type', 'a schema version that is a safe integer');
  if (typeof value.subject !== 'string' || value.subject === '') fail('subject', 'the stream id, a non-empty string');
  if (value.datacontenttype !== undefined && value.datacontenttype !== 'application/json') {
    fail('datacontenttype', '"application/json"');
  }
  if (value.dataschema !== undefined && typeof value.dataschema !== 'string') fail('dataschema', 'a string');
  if ('data_base64' in value) throw new ExportFormatError(line, 'data_base64 is not an accord export: data is JSON');
  if (!('data' in value)) fail('data', 'present');
  const revision = wholeAttribute(value.revision, 0);
  if (revision === undefined) fail('revision', 'a whole number, 0 or more');
  const position = wholeAttribute(value.position, 1);
  if (position === undefined) fail('position', 'a whole number above 0');

  const metadata: [string, unknown][] = [];
  const actor: [string, unknown][] = [];
  if (value.time !== undefined) {
    if (!isRfc3339Timestamp(value.time)) fail('time', 'an RFC 3339 timestamp');
    metadata.push(['occurredAt', value.time]);
  }
  for (const [name, attribute] of Object.entries(value)) {
    if (CONTEXT.has(name) || name === 'data' || name === 'revision' || name === 'position') continue;
    if (name === METADATA_JSON) {
      if (typeof attribute !== 'string') fail(METADATA_JSON, 'a string');
      let rest: unknown;
      try {
        rest = JSON.parse(attribute as string);
      } catch (error) {
        fail(METADATA_JSON, `JSON (${(error as Error).message})`);
      }
      if (typeof rest !== 'object' || rest === null || Array.isArray(rest)) fail(METADATA_JSON, 'a JSON object');
      metadata.push(...Object.entries(rest as object));
      continue;
    }
    if (!ATTRIBUTE_NAME.test(name)) fail(name, 'absent: it is not a CloudEvents attribute name');
    if (typeof attribute !== 'string' && typeof attribute !== 'number' && typeof attribute !== 'boolean') {
      fail(name, 'a string, an integer or a boolean');
    }
    if (ACTOR_BY_ATTRIBUTE.has(name)) actor.push([ACTOR_BY_ATTRIBUTE.get(name)!, attribute]);
    else metadata.push([BY_ATTRIBUTE.get(name) ?? name, attribute]);
  }
  if (actor.length > 0) metadata.push(['actor', Object.fromEntries(actor)]);
  const keys = new Set<string>();
  for (const [key] of metadata) {
    if (keys.has(key))
      throw new ExportFormatError(line, `metadata.${key} is given twice (an attribute and metadatajson)`);
    keys.add(key);
  }
  return {
    streamId: value.subject as string,
    revision: revision!,
    position: position!,
    id: value.id as string,
    type: type![1],
    schemaVersion,
    data: value.data,
    metadata: Object.fromEntries(metadata),
  };
}

/** An Integer attribute, or the decimal string one past the Integer range is written as. */
function wholeAttribute(value: unknown, minimum: number): number | undefined {
  const number = typeof value === 'string' && /^(0|[1-9]\d*)$/.test(value) ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) && number >= minimum ? number : undefined;
}
