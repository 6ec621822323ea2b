import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { CloudEvent } from 'cloudevents';

/** The repository's published event schemas: schemas/events/<type>.v<version>.json. */
export const EVENT_SCHEMA_DIR = join(__dirname, '..', '..', '..', '..', 'schemas', 'events');

export interface EventSchemas {
  /** File name → the schema as written. */
  readonly files: ReadonlyMap<string, { readonly $id: string; readonly [key: string]: unknown }>;
  /** Compiled, by `$id` (the URI a CloudEvent's `dataschema` names). */
  readonly byId: ReadonlyMap<string, ValidateFunction>;
  /** The errors of `data` against the schema `$id` names, as readable lines; [] when it conforms. */
  violations(id: string, data: unknown): string[];
}

/** Every schema under schemas/events, compiled strictly by ajv (JSON Schema 2020-12) with ajv-formats. */
export function loadEventSchemas(dir = EVENT_SCHEMA_DIR): EventSchemas {
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  addFormats(ajv);
  const files = new Map<string, { $id: string }>();
  const byId = new Map<string, ValidateFunction>();
  for (const name of readdirSync(dir).sort()) {
    const schema = JSON.parse(readFileSync(join(dir, name), 'utf8')) as { $id: string };
    files.set(name, schema);
    byId.set(schema.$id, ajv.compile(schema));
  }
  return {
    files,
    byId,
    violations(id, data) {
      const validate = byId.get(id);
      if (validate === undefined) return [`no schema has the $id ${id}`];
      if (validate(data)) return [];
      return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
    },
  };
}

const ATTRIBUTE_NAME = /^[a-z0-9]{1,20}$/;
// eslint-disable-next-line no-control-regex -- the controls are what a CloudEvents String may not hold
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff]/u;
const REQUIRED = ['specversion', 'id', 'source', 'type'];

/**
 * What is wrong with one line as a CloudEvent, [] when nothing: the official SDK's verdict
 * (`new CloudEvent(…)` in strict mode, then `validate()`, which checks the spec's JSON
 * schema), and the rules of CloudEvents 1.0 that the SDK leaves unchecked: attribute names
 * of at most 20 characters, extension values that are a String, an Integer (32 bits) or a
 * Boolean, Strings without the characters the type system forbids, and one JSON line.
 */
export function cloudEventViolations(line: string): string[] {
  const problems: string[] = [];
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(line) as Record<string, unknown>;
  } catch (error) {
    return [`not JSON: ${(error as Error).message}`];
  }
  if (line.includes('\n')) problems.push('more than one line');
  try {
    const event = new CloudEvent(value as never);
    event.validate();
  } catch (error) {
    problems.push(`the SDK refuses it: ${(error as Error).message}`);
  }
  // The SDK validates 1.0 events only, and passes any other specversion without a word.
  if (value.specversion !== '1.0') problems.push(`specversion ${JSON.stringify(value.specversion)}, not "1.0"`);
  for (const name of REQUIRED) if (typeof value[name] !== 'string' || value[name] === '') problems.push(`no ${name}`);
  for (const [name, attribute] of Object.entries(value)) {
    if (name === 'data') continue;
    if (!ATTRIBUTE_NAME.test(name)) problems.push(`attribute name ${JSON.stringify(name)}`);
    if (typeof attribute === 'string') {
      if (attribute === '' || FORBIDDEN.test(attribute)) problems.push(`${name}: not a CloudEvents String`);
    } else if (typeof attribute === 'number') {
      if (!Number.isInteger(attribute) || attribute < -(2 ** 31) || attribute > 2 ** 31 - 1) {
        problems.push(`${name}: ${attribute} is not a CloudEvents Integer`);
      }
    } else if (typeof attribute !== 'boolean') {
      problems.push(`${name}: ${JSON.stringify(attribute)} is not a String, Integer or Boolean`);
    }
  }
  return problems;
}
