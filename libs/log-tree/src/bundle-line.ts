/**
 * The strict scanner of a bundle's event line (bundle-format.ts gives the layout). It checks
 * the whole line is JSON, finds the exact bytes of the `event` member (the leaf input) and
 * takes out what the chain needs (streamId, revision, metadata.prevHash) without building the
 * event: JSON.parse of every event would cost more than both its hashes.
 *
 * The line is read as latin1 text, one character a byte, so that offsets are byte offsets and
 * indexOf and charCodeAt run natively. Strings come out the same way: their UTF-8 bytes as
 * latin1 characters, a slice of the line, compared and kept so (equal bytes, equal strings);
 * `textOf` gives the text for people. Member names are compared byte for byte: an escaped name
 * is an unknown one, and so is a member twice (JSON.parse would keep the last: that ambiguity
 * is refused, as accord never writes it).
 */

/** What a line holds, once scanned; one object, reused line after line. */
export interface ScannedLine {
  position: number;
  /** Latin1 as above; null when the line says null. */
  hash: string | null;
  leaf: string | null;
  /** The leaf input: characters (= bytes) [eventStart, eventEnd) of the line. */
  eventStart: number;
  eventEnd: number;
  streamId: string;
  revision: number;
  /** Null when the metadata has none, or not a string. */
  prevHash: string | null;
  /** The type's string token, quotes included. */
  typeStart: number;
  typeEnd: number;
}

export function scannedLine(): ScannedLine {
  return {
    position: 0,
    hash: null,
    leaf: null,
    eventStart: 0,
    eventEnd: 0,
    streamId: '',
    revision: 0,
    prevHash: null,
    typeStart: 0,
    typeEnd: 0,
  };
}

/** Deeper JSON than this is refused (no accord event comes near; it bounds the stack below). */
export const MAX_DEPTH = 256;
const stack = new Uint8Array(MAX_DEPTH);
const OBJECT = 1;
const ARRAY = 2;

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN = 0x7b;
const CLOSE = 0x7d;

// The token the last readString/readNumber call read (the scanner runs on one thread).
let escaped = false;
let numberValue = 0;

function isSpace(c: number): boolean {
  // One comparison for the usual case: canonical JSON has no whitespace at all.
  return c <= 0x20 && (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a);
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/**
 * The index after the string token at `i` (a quote), or -1. `plain`: the line has no backslash,
 * so the token ends at the next quote (a raw control character in it is then not refused:
 * accord never writes one, and its hash or the root says the line is not what was logged).
 */
function readString(s: string, i: number, plain: boolean): number {
  escaped = false;
  if (plain) {
    const quote = s.indexOf('"', i + 1);
    return quote === -1 ? -1 : quote + 1;
  }
  const end = s.length;
  for (let k = i + 1; k < end;) {
    const c = s.charCodeAt(k++);
    if (c === QUOTE) return k;
    if (c === 0x5c) {
      escaped = true;
      const e = s.charCodeAt(k++);
      if (e === 0x75) {
        if (
          !isHex(s.charCodeAt(k)) ||
          !isHex(s.charCodeAt(k + 1)) ||
          !isHex(s.charCodeAt(k + 2)) ||
          !isHex(s.charCodeAt(k + 3))
        )
          return -1;
        k += 4;
      } else if (
        e !== 0x22 &&
        e !== 0x5c &&
        e !== 0x2f &&
        e !== 0x62 &&
        e !== 0x66 &&
        e !== 0x6e &&
        e !== 0x72 &&
        e !== 0x74
      ) {
        return -1;
      }
    } else if (c < 0x20) {
      return -1;
    }
  }
  return -1;
}

/** The index after the JSON number at `i`, or -1; its value in numberValue. */
function readNumber(s: string, i: number): number {
  const start = i;
  let k = i;
  if (s.charCodeAt(k) === 0x2d) k++;
  let c = s.charCodeAt(k);
  if (c === 0x30) c = s.charCodeAt(++k);
  else if (c >= 0x31 && c <= 0x39) {
    do c = s.charCodeAt(++k);
    while (c >= 0x30 && c <= 0x39);
  } else return -1;
  let whole = s.charCodeAt(start) !== 0x2d;
  if (c === 0x2e) {
    whole = false;
    c = s.charCodeAt(++k);
    if (!(c >= 0x30 && c <= 0x39)) return -1;
    do c = s.charCodeAt(++k);
    while (c >= 0x30 && c <= 0x39);
  }
  if (c === 0x65 || c === 0x45) {
    whole = false;
    c = s.charCodeAt(++k);
    if (c === 0x2b || c === 0x2d) c = s.charCodeAt(++k);
    if (!(c >= 0x30 && c <= 0x39)) return -1;
    do c = s.charCodeAt(++k);
    while (c >= 0x30 && c <= 0x39);
  }
  if (whole && k - start <= 15) {
    let v = 0;
    for (let d = start; d < k; d++) v = v * 10 + (s.charCodeAt(d) - 0x30);
    numberValue = v;
  } else {
    numberValue = Number(s.slice(start, k));
  }
  return k;
}

function skipSpace(s: string, i: number): number {
  while (isSpace(s.charCodeAt(i))) i++;
  return i;
}

/** The index after the member name and its colon at `i`, or -1 (the name is [i, returned name end)). */
function readName(s: string, i: number, plain: boolean): number {
  if (s.charCodeAt(i) !== QUOTE) return -1;
  const end = readString(s, i, plain);
  if (end === -1) return -1;
  // Canonical JSON has no whitespace: look for it only where the next character is not the one expected.
  const colon = s.charCodeAt(end) === COLON ? end : skipSpace(s, end);
  if (s.charCodeAt(colon) !== COLON) return -1;
  return s.charCodeAt(colon + 1) > 0x20 ? colon + 1 : skipSpace(s, colon + 1);
}

/** The index after the JSON value at `i`, or -1 if it is not one. Iterative: no recursion per level. */
export function skipValue(s: string, i: number, plain: boolean, depth = 0): number {
  const floor = depth;
  value: for (;;) {
    let c = s.charCodeAt(i);
    if (c <= 0x20) {
      i = skipSpace(s, i);
      c = s.charCodeAt(i);
    }
    if (c === QUOTE) {
      i = readString(s, i, plain);
      if (i === -1) return -1;
    } else if (c === OPEN || c === 0x5b) {
      const close = c === OPEN ? CLOSE : 0x5d;
      i = s.charCodeAt(i + 1) > 0x20 ? i + 1 : skipSpace(s, i + 1);
      if (s.charCodeAt(i) === close) i++;
      else {
        if (depth >= MAX_DEPTH) return -1;
        stack[depth++] = c === OPEN ? OBJECT : ARRAY;
        if (c === OPEN) {
          i = readName(s, i, plain);
          if (i === -1) return -1;
        }
        continue value;
      }
    } else if (c === 0x74) {
      if (!s.startsWith('true', i)) return -1;
      i += 4;
    } else if (c === 0x66) {
      if (!s.startsWith('false', i)) return -1;
      i += 5;
    } else if (c === 0x6e) {
      if (!s.startsWith('null', i)) return -1;
      i += 4;
    } else {
      i = readNumber(s, i);
      if (i === -1) return -1;
    }
    // After a value: the next member or element, or the containers it closes.
    for (;;) {
      if (depth === floor) return i;
      let next = s.charCodeAt(i);
      if (next <= 0x20) {
        i = skipSpace(s, i);
        next = s.charCodeAt(i);
      }
      const inObject = stack[depth - 1] === OBJECT;
      if (next === COMMA) {
        i = inObject ? readName(s, s.charCodeAt(i + 1) > 0x20 ? i + 1 : skipSpace(s, i + 1), plain) : i + 1;
        if (i === -1) return -1;
        continue value;
      }
      if (next !== (inObject ? CLOSE : 0x5d)) return -1;
      i++;
      depth--;
    }
  }
}

/** Whether the string token [start, end) is `name`, byte for byte. */
function isName(s: string, start: number, end: number, name: string): boolean {
  return !escaped && end - start - 2 === name.length && s.startsWith(name, start + 1);
}

/** The value of the string token [start, end) as latin1 of its UTF-8 bytes (see the file's comment). */
function stringAt(s: string, start: number, end: number): string {
  if (!escaped) return s.slice(start + 1, end - 1);
  const text = JSON.parse(Buffer.from(s.slice(start, end), 'latin1').toString('utf8')) as string;
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** The text of a string the scanner gave. */
export function textOf(latin1: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(latin1) ? latin1 : Buffer.from(latin1, 'latin1').toString('utf8');
}

const LINE_MEMBERS = ['position', 'recordedAt', 'hash', 'leaf', 'event'];
const EVENT_MEMBERS = ['data', 'id', 'metadata', 'revision', 'schemaVersion', 'streamId', 'type'];

/** Which of `names` the member name token [start, end) is, or -1; `likely` is tried first (the order accord writes). */
function nameIndex(s: string, start: number, end: number, names: readonly string[], likely: number): number {
  if (likely < names.length && isName(s, start, end, names[likely])) return likely;
  for (let n = 0; n < names.length; n++) if (isName(s, start, end, names[n])) return n;
  return -1;
}

/**
 * Scans one event line into `out`. Answers why it is not an event line of the format, or
 * undefined when it is one.
 */
export function scanEventLine(s: string, out: ScannedLine): string | undefined {
  const plain = s.indexOf('\\') === -1;
  out.hash = null;
  out.leaf = null;
  out.prevHash = null;
  if (s.charCodeAt(0) !== OPEN) return 'not a JSON object';
  let i = 1;
  let seen = 0;
  let member = -1;
  for (;;) {
    const nameStart = s.charCodeAt(i) > 0x20 ? i : skipSpace(s, i);
    if (s.charCodeAt(nameStart) !== QUOTE) return `expected a member name at byte ${nameStart}`;
    const nameEnd = readString(s, nameStart, plain);
    if (nameEnd === -1) return `unterminated member name at byte ${nameStart}`;
    member = nameIndex(s, nameStart, nameEnd, LINE_MEMBERS, member + 1);
    if (member === -1) return `unknown member ${s.slice(nameStart, nameEnd)}`;
    if (seen & (1 << member)) return `the member ${s.slice(nameStart, nameEnd)} twice`;
    seen |= 1 << member;
    i = s.charCodeAt(nameEnd) === COLON ? nameEnd : skipSpace(s, nameEnd);
    if (s.charCodeAt(i) !== COLON) return `expected ":" at byte ${i}`;
    i = s.charCodeAt(i + 1) > 0x20 ? i + 1 : skipSpace(s, i + 1);
    const start = i;
    switch (member) {
      case 0:
        i = readNumber(s, i);
        if (i === -1) return `position is not a number`;
        out.position = numberValue;
        if (!Number.isSafeInteger(numberValue) || numberValue < 1) return 'position must be a whole number above 0';
        break;
      case 1:
        if (s.charCodeAt(i) !== QUOTE) return 'recordedAt must be a string';
        i = readString(s, i, plain);
        if (i === -1) return 'recordedAt is not a JSON string';
        break;
      case 2:
      case 3: {
        let value: string | null = null;
        if (s.startsWith('null', i)) i += 4;
        else if (s.charCodeAt(i) === QUOTE) {
          i = readString(s, i, plain);
          if (i === -1) return `${LINE_MEMBERS[member]} is not a JSON string`;
          value = stringAt(s, start, i);
        } else return `${LINE_MEMBERS[member]} must be a string or null`;
        if (member === 2) out.hash = value;
        else out.leaf = value;
        break;
      }
      case 4: {
        const problem = scanEvent(s, i, plain, out);
        if (problem) return problem;
        i = out.eventEnd;
        break;
      }
    }
    if (s.charCodeAt(i) <= 0x20) i = skipSpace(s, i);
    const c = s.charCodeAt(i);
    if (c === COMMA) {
      i++;
      continue;
    }
    if (c !== CLOSE) return `expected "," or "}" at byte ${i}`;
    i = skipSpace(s, i + 1);
    if (i !== s.length) return `text after the object at byte ${i}`;
    return seen === (1 << LINE_MEMBERS.length) - 1 ? undefined : 'a member is missing';
  }
}

/** The `event` member: the leaf input, with every member it must have and no other. */
function scanEvent(s: string, i: number, plain: boolean, out: ScannedLine): string | undefined {
  if (s.charCodeAt(i) !== OPEN) return 'event must be an object';
  out.eventStart = i;
  i++;
  let seen = 0;
  let member = -1;
  for (;;) {
    const nameStart = s.charCodeAt(i) > 0x20 ? i : skipSpace(s, i);
    if (s.charCodeAt(nameStart) !== QUOTE) return `expected a member name of the event at byte ${nameStart}`;
    const nameEnd = readString(s, nameStart, plain);
    if (nameEnd === -1) return `unterminated member name at byte ${nameStart}`;
    member = nameIndex(s, nameStart, nameEnd, EVENT_MEMBERS, member + 1);
    if (member === -1) return `the event has a member ${s.slice(nameStart, nameEnd)} the leaf input never has`;
    if (seen & (1 << member)) return `the event has the member ${s.slice(nameStart, nameEnd)} twice`;
    seen |= 1 << member;
    i = s.charCodeAt(nameEnd) === COLON ? nameEnd : skipSpace(s, nameEnd);
    if (s.charCodeAt(i) !== COLON) return `expected ":" at byte ${i}`;
    i = s.charCodeAt(i + 1) > 0x20 ? i + 1 : skipSpace(s, i + 1);
    const start = i;
    switch (member) {
      case 2: {
        const problem = scanMetadata(s, i, plain, out);
        if (typeof problem === 'string') return problem;
        i = problem;
        break;
      }
      case 3:
      case 4:
        i = readNumber(s, i);
        if (i === -1) return `${EVENT_MEMBERS[member]} is not a number`;
        if (member === 3) {
          if (!Number.isSafeInteger(numberValue) || numberValue < 0)
            return 'revision must be a whole number, 0 or more';
          out.revision = numberValue;
        }
        break;
      case 1:
      case 5:
      case 6:
        if (s.charCodeAt(i) !== QUOTE) return `${EVENT_MEMBERS[member]} must be a string`;
        i = readString(s, i, plain);
        if (i === -1) return `${EVENT_MEMBERS[member]} is not a JSON string`;
        if (member === 5) {
          out.streamId = stringAt(s, start, i);
          if (out.streamId === '') return 'streamId must not be empty';
        } else if (member === 6) {
          out.typeStart = start;
          out.typeEnd = i;
        }
        break;
      default:
        i = skipValue(s, i, plain, 1);
        if (i === -1) return `data is not JSON (from byte ${start})`;
    }
    if (s.charCodeAt(i) <= 0x20) i = skipSpace(s, i);
    const c = s.charCodeAt(i);
    if (c === COMMA) {
      i++;
      continue;
    }
    if (c !== CLOSE) return `expected "," or "}" in the event at byte ${i}`;
    out.eventEnd = i + 1;
    return seen === (1 << EVENT_MEMBERS.length) - 1 ? undefined : 'the event lacks a member of the leaf input';
  }
}

/** The metadata object: prevHash taken out, every other member checked as JSON. Answers the index after it. */
function scanMetadata(s: string, i: number, plain: boolean, out: ScannedLine): number | string {
  if (s.charCodeAt(i) !== OPEN) return 'metadata must be an object';
  i = skipSpace(s, i + 1);
  if (s.charCodeAt(i) === CLOSE) return i + 1;
  let seen = false;
  for (;;) {
    const nameStart = s.charCodeAt(i) > 0x20 ? i : skipSpace(s, i);
    if (s.charCodeAt(nameStart) !== QUOTE) return `expected a member name of the metadata at byte ${nameStart}`;
    const nameEnd = readString(s, nameStart, plain);
    if (nameEnd === -1) return `unterminated member name at byte ${nameStart}`;
    const isPrev = isName(s, nameStart, nameEnd, 'prevHash');
    i = s.charCodeAt(nameEnd) === COLON ? nameEnd : skipSpace(s, nameEnd);
    if (s.charCodeAt(i) !== COLON) return `expected ":" at byte ${i}`;
    i = s.charCodeAt(i + 1) > 0x20 ? i + 1 : skipSpace(s, i + 1);
    const start = i;
    if (isPrev) {
      if (seen) return 'the metadata has prevHash twice';
      seen = true;
      if (s.charCodeAt(i) === QUOTE) {
        i = readString(s, i, plain);
        if (i === -1) return 'prevHash is not a JSON string';
        out.prevHash = stringAt(s, start, i);
      } else {
        i = skipValue(s, i, plain, 2);
        if (i === -1) return 'the metadata is not JSON';
      }
    } else {
      i = skipValue(s, i, plain, 2);
      if (i === -1) return `the metadata is not JSON (from byte ${start})`;
    }
    if (s.charCodeAt(i) <= 0x20) i = skipSpace(s, i);
    const c = s.charCodeAt(i);
    if (c === COMMA) {
      i++;
      continue;
    }
    if (c !== CLOSE) return `expected "," or "}" in the metadata at byte ${i}`;
    return i + 1;
  }
}
