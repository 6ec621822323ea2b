import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { canonicalJson } from '@accord/event-store';
import { computeEventHash, GENESIS_HASH } from './event-hash';

/** A small deterministic PRNG (mulberry32), so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = [
  'a',
  'b',
  'Z',
  '0',
  '9',
  ' ',
  '"',
  '\\',
  '/',
  '\n',
  '\t',
  '\u0000',
  '\u001f',
  '\u007f',
  'é',
  'ß',
  '\u2028',
  '€',
  '\ud83d\ude00', // a surrogate pair
  '\ud800', // a lone high surrogate
  '\udc00', // a lone low surrogate
  '\uffff',
  '\ue000',
];
const KEYS = ['id', 'a', 'b', 'B', '1', '10', '9', '', 'é', 'zz', '__proto__', 'toString', 'hash', '\ud83d\ude00', '€'];

function generator(seed: number) {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const text = (): string => {
    const length = Math.floor(next() * 12);
    let s = '';
    for (let i = 0; i < length; i++) s += pick(ALPHABET);
    return s;
  };
  const number = (): number =>
    pick([
      () => Math.floor(next() * 1000) - 500,
      () => (next() - 0.5) * 10 ** Math.floor(next() * 40 - 20),
      () => 10 ** Math.floor(next() * 60 - 30),
      () => -0,
      () => Number.MAX_SAFE_INTEGER,
      () => Number.MIN_VALUE,
      () => Number.MAX_VALUE,
      () => 1e21,
      () => 0.1 + 0.2,
    ])();
  const value = (depth: number): unknown => {
    const kind = Math.floor(next() * (depth > 3 ? 4 : 6));
    switch (kind) {
      case 0:
        return text();
      case 1:
        return number();
      case 2:
        return pick([true, false, null]);
      case 3:
        return pick(['', 'plain ascii', '2026-11-29T00:00:00.000Z', text()]);
      case 4: {
        const length = Math.floor(next() * 5);
        return Array.from({ length }, () => value(depth + 1));
      }
      default: {
        const object: Record<string, unknown> = {};
        const size = Math.floor(next() * 6);
        for (let i = 0; i < size; i++) {
          const key = next() < 0.6 ? pick(KEYS) : text();
          // Define, not assign: a "__proto__" key must be an own property, as JSON.parse makes it.
          Object.defineProperty(object, key, {
            value: value(depth + 1),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        return object;
      }
    }
  };
  return { value, text, next };
}

describe('canonicalJson', () => {
  it('spells 20,000 random JSON values exactly as canonicalize 2.1.0 does, and as JSON.parse gives them back', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { value } = generator(seed);
      for (let i = 0; i < 1000; i++) {
        const v = value(0);
        const expected = canonicalize(v);
        expect(canonicalJson(v)).toBe(expected);
        // The same value as a store hands it back (parsed from its JSON text).
        const parsed = JSON.parse(JSON.stringify(v));
        expect(canonicalJson(parsed)).toBe(canonicalize(parsed));
      }
    }
  });

  it('follows the reference on inputs outside JSON too', () => {
    const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays
    const leadingHole = [, 'x']; // eslint-disable-line no-sparse-arrays
    const odd: unknown[] = [
      undefined,
      { a: undefined, b: 1, c: Symbol('s') },
      [undefined, Symbol('s'), 1],
      sparse,
      leadingHole,
      { f: () => 1 },
      [() => 1],
      new Date(Date.UTC(2026, 10, 29)),
      { when: new Date(0), nested: { toJSON: () => ({ z: 1, a: 2 }) } },
      { toJSON: 'not a function', b: 1 },
      Object.assign(Object.create(null), { b: 1, a: 2 }),
      new Map([['a', 1]]),
      [{}, [], [[]], { '': {} }],
      { 10: 'x', 9: 'y', a: 'z', A: 'w' },
      'a\u2028b',
      -0,
      true,
      null,
    ];
    for (const v of odd) expect(canonicalJson(v)).toBe(canonicalize(v));
    for (const bad of [NaN, Infinity, -Infinity, { n: NaN }, [Infinity]]) {
      expect(() => canonicalize(bad)).toThrow();
      expect(() => canonicalJson(bad)).toThrow(
        (() => {
          try {
            canonicalize(bad);
          } catch (error) {
            return (error as Error).message;
          }
          return 'unreachable';
        })(),
      );
    }
    expect(() => canonicalJson(1n)).toThrow(TypeError);
  });

  it('gives computeEventHash the hash the reference implementation gives, on 5,000 random events', () => {
    const { value, text, next } = generator(4242);
    const reference = (event: Parameters<typeof computeEventHash>[0]): string => {
      const { hash: _hash, ...metadata } = event.metadata as Record<string, unknown>;
      const { streamId, revision, id, type, schemaVersion, data } = event;
      const canonical = canonicalize({ streamId, revision, id, type, schemaVersion, data, metadata });
      return createHash('sha256').update(canonical!, 'utf8').digest('hex');
    };
    for (let i = 0; i < 5000; i++) {
      const event = {
        streamId: `commitment-${text()}`,
        revision: Math.floor(next() * 100),
        id: text(),
        type: text(),
        schemaVersion: 1 + Math.floor(next() * 3),
        data: value(1),
        metadata: {
          commandId: text(),
          actor: { id: text(), role: 'integration', party: 'MA' },
          occurredAt: new Date(Math.floor(next() * 2e12)).toISOString(),
          prevHash: GENESIS_HASH,
          hash: 'ignored',
          extra: value(2),
        },
      };
      expect(computeEventHash(event)).toBe(reference(event));
    }
    const base = { streamId: 's-1', revision: 1, id: 'e', type: 'T', schemaVersion: 1, data: { b: 1, a: 2 } };
    const odd = [
      { ...base, metadata: { hash: 'x', toJSON: () => ({ z: 1 }) } },
      { ...base, metadata: ['a', 'b'] as unknown as Record<string, unknown> },
      { ...base, data: undefined, metadata: { z: undefined, hash: 'h', a: new Date(0) } },
      { ...base, id: undefined as unknown as string, metadata: { f: () => 1 } },
      { ...base, metadata: Object.assign(Object.create({ inherited: 1, toJSON: () => 'no' }), { own: 1, hash: 'h' }) },
      { ...base, position: 7, recordedAt: 'then', metadata: {} } as Parameters<typeof computeEventHash>[0],
    ];
    for (const event of odd) expect(computeEventHash(event)).toBe(reference(event));
    expect(() => computeEventHash({ ...base, revision: NaN, metadata: {} })).toThrow('NaN is not allowed');
  });
});
