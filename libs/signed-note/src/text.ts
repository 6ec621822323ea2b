/**
 * The lexical rules the three specs share: UTF-8 without control characters, key names,
 * strict standard base64 (RFC 4648 §4, padded, canonical).
 */

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** ASCII control characters other than newline: a note may not contain them. */
// eslint-disable-next-line no-control-regex -- these characters are what the rule is about
const CONTROL = /[\u0000-\u0009\u000b-\u001f]/;
/**
 * What a key name may not contain: Unicode white space (the White_Space property, as Go's
 * unicode.IsSpace), plus, and, since a note may not contain them, control characters.
 */
// eslint-disable-next-line no-control-regex -- likewise
const NOT_IN_NAME = /[\p{White_Space}+\u0000-\u001f]/u;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Whether a JavaScript string encodes to valid UTF-8 (no lone surrogate). */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** Why `text` could not be (part of) a note, or undefined if it can. */
export function textProblem(text: string): string | undefined {
  if (!isWellFormed(text)) return 'not valid UTF-8 (a lone surrogate)';
  const control = CONTROL.exec(text);
  if (control)
    return `control character U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} at offset ${control.index}`;
  return undefined;
}

/** c2sp.org/signed-note: non-empty, no Unicode space, no plus (and no control character). */
export function isKeyName(name: string): boolean {
  return name.length > 0 && isWellFormed(name) && !NOT_IN_NAME.test(name);
}

/**
 * Standard padded base64, refused unless canonical: Buffer.from(…, 'base64') alone would skip
 * stray characters, take URL-safe letters and ignore nonzero padding bits, so two texts
 * could carry one signature.
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? new Uint8Array(bytes) : undefined;
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function utf8(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf8'));
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

export function uint32BE(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value >>> 0);
  return bytes;
}

export function readUint32BE(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
}
