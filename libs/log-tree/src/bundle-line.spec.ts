import { canonicalEvent } from '@accord/audit';
import { formatEventLine } from './bundle-format';
import { MAX_DEPTH, scanEventLine, scannedLine, skipValue, textOf } from './bundle-line';

/** A small deterministic generator (mulberry32): the same cases on every run. */
function random(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  return { next, pick };
}

const PIECES = ['a', 'é', '"', '\\', '/', '\n', '\t', '\u0001', '\u2028', '😀', '\ud800', ' ', '{', ']', ',', ':', '0'];

function value(r: ReturnType<typeof random>, depth: number): unknown {
  const kind = r.pick(depth > 3 ? ['string', 'number', 'literal'] : ['string', 'number', 'literal', 'object', 'array']);
  const text = () => Array.from({ length: Math.floor(r.next() * 6) }, () => r.pick(PIECES)).join('');
  switch (kind) {
    case 'string':
      return text();
    case 'number':
      return r.pick([0, -0, 7, -13, 1.5, -2e-7, 1e21, 123456789012345, 2 ** 53 + 2, Math.PI]);
    case 'literal':
      return r.pick([true, false, null]);
    case 'object':
      return Object.fromEntries(Array.from({ length: Math.floor(r.next() * 4) }, () => [text(), value(r, depth + 1)]));
    default:
      return Array.from({ length: Math.floor(r.next() * 4) }, () => value(r, depth + 1));
  }
}

/** The text as the scanner reads it: its UTF-8 bytes, one latin1 character each. */
const asBytes = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
const isJson = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};
/** Whether skipValue takes the whole text as one JSON value (whitespace around it allowed, as JSON.parse does). */
const scansWhole = (text: string) => {
  const s = asBytes(text);
  const end = skipValue(s, 0, !s.includes('\\'));
  return end !== -1 && /^[ \t\n\r]*$/.test(s.slice(end));
};

describe('the bundle line scanner', () => {
  it('takes every JSON text JSON.parse takes, and refuses the same broken ones', () => {
    const r = random(16);
    let refused = 0;
    for (let n = 0; n < 3000; n++) {
      const text = JSON.stringify(value(r, 0));
      expect({ text, whole: scansWhole(text) }).toEqual({ text, whole: true });
      // One character dropped, added or changed: valid or not, the scanner agrees with JSON.parse.
      const at = Math.floor(r.next() * (text.length + 1));
      const changed = r.pick([
        text.slice(0, at) + text.slice(at + 1),
        text.slice(0, at) +
          r.pick(['"', '{', '}', '[', ']', ',', ':', '1', '-', '.', 'e', 'n', ' ', '\\']) +
          text.slice(at),
        text.slice(0, at) + r.pick(['x', '0', '}', '"']) + text.slice(at + 1),
      ]);
      expect({ changed, whole: scansWhole(changed) }).toEqual({ changed, whole: isJson(changed) });
      if (!isJson(changed)) refused++;
    }
    expect(refused).toBeGreaterThan(1000);
    for (const text of [
      '01',
      '1.',
      '.5',
      '-',
      '1e',
      '+1',
      'tru',
      'nul',
      '"\\x"',
      '"\\u12g4"',
      '[1,]',
      '{"a"}',
      '{,}',
      '"a',
    ]) {
      expect({ text, whole: scansWhole(text) }).toEqual({ text, whole: false });
    }
    // A raw control character in a string is refused where the line has an escape (careful
    // path); without one the scanner does not look (the bytes are hashed as they are).
    expect(scansWhole('"a\u0001\\n"')).toBe(false);
    // Nesting deeper than MAX_DEPTH is refused, though JSON.parse takes it (no accord event comes near).
    expect(scansWhole(`${'['.repeat(MAX_DEPTH)}1${']'.repeat(MAX_DEPTH)}`)).toBe(true);
    expect(scansWhole(`${'['.repeat(MAX_DEPTH + 1)}1${']'.repeat(MAX_DEPTH + 1)}`)).toBe(false);
  });

  it("finds the leaf input's exact bytes and what the chain needs, as JSON.parse reads them", () => {
    const r = random(27);
    const scan = scannedLine();
    for (let n = 0; n < 1000; n++) {
      const metadata = value(r, 1) as Record<string, unknown>;
      const event = {
        streamId: `thing-${n}${r.pick(['', 'é', '"x"', '\\'])}`,
        revision: Math.floor(r.next() * 1000),
        id: String(value(r, 4)),
        type: r.pick(['Counted', 'WitnessKeyRegistered', 'é"\\']),
        schemaVersion: 1,
        data: value(r, 1),
        metadata:
          typeof metadata === 'object' && metadata && !Array.isArray(metadata)
            ? { ...metadata, prevHash: r.pick(['0'.repeat(64), 'é', 5]) }
            : { prevHash: 'a'.repeat(64) },
      };
      const leafInput = canonicalEvent(event);
      const hash = r.pick(['f'.repeat(64), null]);
      const text = formatEventLine({
        position: n + 1,
        recordedAt: '2026-12-02T00:00:00.000Z',
        hash,
        leaf: null,
        leafInput,
      });
      const line = asBytes(text);
      expect(scanEventLine(line, scan)).toBeUndefined();
      expect(line.slice(scan.eventStart, scan.eventEnd)).toBe(asBytes(leafInput));
      const parsed = JSON.parse(text) as { position: number; hash: string | null; event: typeof event };
      expect({
        position: scan.position,
        hash: scan.hash,
        streamId: textOf(scan.streamId),
        revision: scan.revision,
        prevHash: scan.prevHash === null ? null : textOf(scan.prevHash),
        type: JSON.parse(Buffer.from(line.slice(scan.typeStart, scan.typeEnd), 'latin1').toString('utf8')),
      }).toEqual({
        position: parsed.position,
        hash: parsed.hash,
        streamId: parsed.event.streamId,
        revision: parsed.event.revision,
        prevHash: typeof parsed.event.metadata.prevHash === 'string' ? parsed.event.metadata.prevHash : null,
        type: parsed.event.type,
      });
    }
  });

  it('refuses a line that is not one of the format, saying why', () => {
    const scan = scannedLine();
    const good = formatEventLine({
      position: 3,
      recordedAt: '2026-12-02T00:00:00.000Z',
      hash: 'a'.repeat(64),
      leaf: 'b'.repeat(64),
      leafInput: canonicalEvent({
        streamId: 'thing-1',
        revision: 0,
        id: 'e1',
        type: 'Counted',
        schemaVersion: 1,
        data: { n: 1 },
        metadata: { prevHash: '0'.repeat(64) },
      }),
    });
    expect(scanEventLine(good, scan)).toBeUndefined();
    const cases: [string, RegExp][] = [
      [good.replace('"position":3', '"position":0'), /position must be a whole number above 0/],
      [good.replace('"position":3', '"position":3.5'), /position must be a whole number/],
      [good.replace('"revision":0', '"revision":-1'), /revision must be a whole number/],
      [good.replace('{"position":3,', '{"position":3,"position":4,'), /the member "position" twice/],
      [good.replace('"hash":"', '"hash":7,"x":"'), /hash must be a string or null/],
      [good.replace(',"leaf":', ',"extra":1,"leaf":'), /unknown member "extra"/],
      [good.replace('"streamId":"thing-1"', '"streamId":""'), /streamId must not be empty/],
      [good.replace('"type":"Counted"', '"kind":"Counted"'), /never has/],
      [good.replace(',"type":"Counted"', ''), /lacks a member/],
      [good.replace('"prevHash"', '"prevHash":"x","prevHash"'), /prevHash twice/],
      [good.replace('"data":{"n":1}', '"data":{"n":}'), /data is not JSON/],
      [`${good}x`, /text after the object/],
      [good.slice(0, -1), /expected "," or "}"/],
      ['[1]', /not a JSON object/],
    ];
    for (const [line, reason] of cases)
      expect({ line, problem: scanEventLine(line, scan) }).toEqual({ line, problem: expect.stringMatching(reason) });
    // Whitespace JSON allows is allowed (it is hashed as it is, so it changes the leaf).
    expect(scanEventLine(`${good} `, scan)).toBeUndefined();
    expect(scanEventLine(good.replace('"event":{', '"event": {'), scan)).toBeUndefined();
  });
});
