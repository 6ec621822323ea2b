/**
 * RFC 8785 canonical JSON, byte for byte what `canonicalize` 2.1.0 (decision 0003, the
 * reference) returns, about twice as fast: one recursive pass that appends to a string
 * instead of `reduce` over template literals, skips sorting keys that are already in
 * order, quotes plain strings without calling JSON.stringify, and remembers quoted keys.
 * Verification hashes every event of the log, so this is its hot path; the stores write
 * event data and metadata in this form too, so that verification can hash the stored text.
 *
 * Equivalence is checked against the reference on random JSON values and on the odd
 * inputs the reference accepts (undefined, functions, symbols, toJSON, sparse arrays) in
 * canonical-json.spec.ts. Like the reference, it throws on NaN and infinities.
 */
export function canonicalJson(value: unknown): string | undefined {
  return serialize(value);
}

/**
 * canonicalJson of a copy of `object` without the key `omitted` (`const { [omitted]: _,
 * ...copy } = object`), without making the copy. Like the copy, it ignores a toJSON the
 * object inherits; an own one must go the copying way.
 */
export function canonicalJsonWithout(object: object, omitted: string): string {
  return serializeObject(object as Record<string, unknown>, omitted);
}

/** The text canonicalJson gives a member `"key":value` of an object, or '' where it leaves the member out. */
export function canonicalMember(key: string, value: unknown): string {
  if (value === undefined || typeof value === 'symbol') return '';
  return `${quotedKey(key)}${serialize(value)}`;
}

/**
 * A string needs JSON.stringify's escaping unless every code unit is one it leaves alone:
 * not a control character, quote or backslash, and no surrogate (JSON.stringify escapes
 * lone ones; pairs go the slow way too, which is still exact). Written as the complement
 * of what passes, which V8 matches faster than the list of what does not.
 */
const NEEDS_ESCAPE = /[^\u0020\u0021\u0023-\u005b\u005d-\ud7ff\ue000-\uffff]/;

const quote = (text: string): string => (NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`);

/** `"key":` by key: event envelopes repeat a few dozen keys millions of times. */
const quotedKeys = new Map<string, string>();
const MAX_QUOTED_KEYS = 10_000;

// Speed only (docs/testing.md): a cache of quoted keys and a test that spares sorting keys
// already in order. Neither can change the text, so their mutants are left out.
// Stryker disable all
function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = `${quote(key)}:`;
    if (quotedKeys.size < MAX_QUOTED_KEYS) quotedKeys.set(key, quoted);
  }
  return quoted;
}

/** Code-unit order, as Array.prototype.sort compares strings. */
function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) return false;
  return true;
}
// Stryker restore all

function serialize(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      if (value !== value) throw new Error('NaN is not allowed');
      if (value === Infinity || value === -Infinity) throw new Error('Infinity is not allowed');
      // Number-to-string is JSON.stringify's spelling of a finite number (and -0 is "0").
      return `${value}`;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      const object = value as Record<string, unknown> & { toJSON?: () => unknown };
      if (object.toJSON instanceof Function) return serialize(object.toJSON());
      if (Array.isArray(value)) return serializeArray(value);
      return serializeObject(object);
    }
    default:
      // undefined, functions and symbols give undefined; bigint throws, as in the reference.
      return JSON.stringify(value);
  }
}

function serializeArray(array: readonly unknown[]): string {
  let out = '[';
  // Stryker disable next-line EqualityOperator: one index past the end is a hole, skipped below
  for (let i = 0; i < array.length; i++) {
    const item = array[i];
    // The reference folds with reduce, which skips holes but still puts a comma before
    // every index but the first. (`item === undefined` only spares the `in` test.)
    // Stryker disable next-line ConditionalExpression
    if (item === undefined && !(i in array)) continue;
    if (i > 0) out += ',';
    // A function item serialises to undefined, spelt "undefined" by the reference's template.
    out += item === undefined || typeof item === 'symbol' ? 'null' : `${serialize(item)}`;
  }
  return `${out}]`;
}

function serializeObject(object: Record<string, unknown>, omitted?: string): string {
  const keys = Object.keys(object);
  // Stryker disable next-line all: sorting keys in order already gives the same keys (speed only)
  if (keys.length > 1 && !isSorted(keys)) keys.sort();
  let out = '';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key === omitted) continue;
    const item = object[key];
    if (item === undefined || typeof item === 'symbol') continue;
    if (out.length > 0) out += ',';
    out += `${quotedKey(key)}${serialize(item)}`;
  }
  return `{${out}}`;
}
