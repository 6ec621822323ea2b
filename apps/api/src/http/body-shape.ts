/**
 * The largest shape a JSON body may have (README, Limits). A body is measured on its text,
 * before JSON.parse builds it and long before class-transformer and class-validator walk it:
 * their cost grows with the number of values (about 0.3 ms per nested DTO that fails) and
 * their recursion with the depth, so an unbounded shape held the event loop for seconds or
 * overflowed the stack. Each limit is at least the most a DTO takes, and no higher than it
 * must be, as validation costs grow with them: 100 array entries (the largest @ArrayMaxSize:
 * an agreement's domains, a party's agencies), 32 levels (DTOs use 4), 200 keys an object
 * (under 20), 6,000 values (an agreement of 50 parties of 100 agencies holds about 5,300).
 */
export const BODY_SHAPE_LIMITS: BodyShapeLimits = { maxDepth: 32, maxArrayLength: 100, maxKeys: 200, maxValues: 6_000 };

export interface BodyShapeLimits {
  /** Objects and arrays nested in one another, the body itself being level 1. */
  readonly maxDepth: number;
  readonly maxArrayLength: number;
  /** Keys in one object. */
  readonly maxKeys: number;
  /** Values in the whole body: objects, arrays, strings, numbers, booleans and nulls. */
  readonly maxValues: number;
}

/** Why a body is refused: the field it is about (dotted, as the validation pipe names fields) and what is wrong. */
export interface ShapeViolation {
  readonly field: string;
  readonly message: string;
}

/** The field named when the problem is the body itself. */
export const BODY_FIELD = 'body';

/** Where a container sits in its parent: an index, or the [start, end) of its key's JSON text. */
type At = number | readonly [number, number] | undefined;

interface Frame {
  readonly array: boolean;
  readonly at: At;
  /** Entries so far (array) or keys so far (object). */
  count: number;
  /** Object: the next string is a key. */
  awaitingKey: boolean;
  /** Object: the JSON text of the current key. */
  key?: readonly [number, number];
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;
const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * The first limit a JSON text goes over, or undefined. One pass over the characters, no
 * values built; a text that is not JSON is left for JSON.parse to refuse.
 */
export function checkJsonShape(text: string, limits: BodyShapeLimits = BODY_SHAPE_LIMITS): ShapeViolation | undefined {
  const stack: Frame[] = [];
  let values = 0;
  let inLiteral = false;
  const fieldOf = (frames: readonly Frame[]): string => {
    const parts = frames.slice(1).map((frame) => describe(text, frame.at));
    return parts.length ? parts.join('.') : BODY_FIELD;
  };
  /** A value starts here: count it, and as an entry of the array it is in. */
  const value = (): ShapeViolation | undefined => {
    if (++values > limits.maxValues) {
      return { field: BODY_FIELD, message: `the body holds more than ${limits.maxValues} values` };
    }
    const top = stack[stack.length - 1];
    if (top?.array && ++top.count > limits.maxArrayLength) {
      const field = fieldOf(stack);
      return { field, message: `${field} has more than ${limits.maxArrayLength} entries` };
    }
    return undefined;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      inLiteral = false;
      const start = i;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) i++;
        else if (d === QUOTE) break;
      }
      const top = stack[stack.length - 1];
      if (top && !top.array && top.awaitingKey) {
        top.awaitingKey = false;
        top.key = [start, i + 1];
        if (++top.count > limits.maxKeys) {
          const field = fieldOf(stack);
          return { field, message: `${field} has more than ${limits.maxKeys} keys` };
        }
      } else {
        const found = value();
        if (found) return found;
      }
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      inLiteral = false;
      const found = value();
      if (found) return found;
      const parent = stack[stack.length - 1];
      const at: At = parent === undefined ? undefined : parent.array ? parent.count - 1 : parent.key;
      const frame: Frame = { array: c === OPEN_ARRAY, at, count: 0, awaitingKey: c === OPEN_OBJECT };
      stack.push(frame);
      if (stack.length > limits.maxDepth) {
        const field = fieldOf(stack);
        return { field, message: `${field} is nested more than ${limits.maxDepth} levels deep` };
      }
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      inLiteral = false;
      stack.pop();
    } else if (c === COMMA) {
      inLiteral = false;
      const top = stack[stack.length - 1];
      if (top && !top.array) top.awaitingKey = true;
    } else if (c === COLON || isSpace(c)) {
      inLiteral = false;
    } else if (!inLiteral) {
      // The first character of a number, true, false or null.
      inLiteral = true;
      const found = value();
      if (found) return found;
    }
  }
  return undefined;
}

function describe(text: string, at: At): string {
  if (at === undefined) return BODY_FIELD;
  if (typeof at === 'number') return String(at);
  const raw = text.slice(at[0], at[1]);
  try {
    return shown(JSON.parse(raw) as string);
  } catch {
    return raw;
  }
}

/**
 * Text no supported store can hold: PostgreSQL refuses U+0000 in text and jsonb, and a lone
 * UTF-16 surrogate has no UTF-8 form (a store would keep U+FFFD, or fail).
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function unstorable(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain U+0000 (NUL)';
  if (LONE_SURROGATE.test(text)) return 'must not contain a lone UTF-16 surrogate';
  return undefined;
}

/** A key as a field path shows it: JSON-escaped when it holds what no store can, so no answer carries it raw. */
const shown = (key: string): string => (unstorable(key) ? JSON.stringify(key).slice(1, -1) : key);
const join = (path: string, key: string | number): string => (path ? `${path}.${key}` : String(key));

/**
 * Why a parsed body is refused, or undefined: a command body is a JSON object, and its
 * strings and keys hold only text every store can keep. Run on a body that passed
 * checkJsonShape, so the recursion is at most maxDepth deep and the work at most maxValues.
 */
export function checkBodyValue(body: unknown): ShapeViolation | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { field: BODY_FIELD, message: 'the body must be a JSON object' };
  }
  return findUnstorable(body, '');
}

function findUnstorable(value: unknown, path: string): ShapeViolation | undefined {
  if (typeof value === 'string') {
    const why = unstorable(value);
    const field = path || BODY_FIELD;
    return why ? { field, message: `${field} ${why}` } : undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorable(value[i], join(path, i));
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, entry] of Object.entries(value)) {
    const why = unstorable(key);
    if (why) return { field: join(path, shown(key)), message: `the key "${shown(key)}" ${why}` };
    const found = findUnstorable(entry, join(path, key));
    if (found) return found;
  }
  return undefined;
}
