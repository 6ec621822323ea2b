import canonicalize from 'canonicalize';
import { canonicalJson, canonicalJsonWithout, canonicalMember } from './canonical-json';
import { generator } from './testing/random-json';

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

  it('reads no key past the last, even where one is named "undefined"', () => {
    expect(canonicalJsonWithout({ undefined: 1, hash: 'h' }, 'hash')).toBe('{"undefined":1}');
  });

  it('leaves out one key without copying: canonicalJsonWithout', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const { value } = generator(seed);
      for (let i = 0; i < 200; i++) {
        const object = { hash: 'h', ...(value(1) as object), zeta: i, alpha: [i] };
        const { hash: _hash, ...copy } = object;
        expect(canonicalJsonWithout(object, 'hash')).toBe(canonicalize(copy));
      }
    }
    expect(canonicalJsonWithout({ b: 1, hash: 'x', a: undefined }, 'hash')).toBe('{"b":1}');
    expect(canonicalJsonWithout({ hash: 'x' }, 'hash')).toBe('{}');
    expect(canonicalJsonWithout({ b: 2, a: 1 }, 'hash')).toBe('{"a":1,"b":2}');
  });

  it('spells one member as canonicalJson spells it inside an object, or nothing: canonicalMember', () => {
    expect(canonicalMember('id', 'e-1')).toBe('"id":"e-1"');
    expect(canonicalMember('n', 1e21)).toBe('"n":1e+21');
    expect(canonicalMember('o', { b: [true, null], a: 'é\n' })).toBe('"o":{"a":"é\\n","b":[true,null]}');
    expect(canonicalMember('quote"d', 0)).toBe('"quote\\"d":0');
    expect(canonicalMember('gone', undefined)).toBe('');
    expect(canonicalMember('gone', Symbol('s'))).toBe('');
    for (const [key, value] of [
      ['k', 'v'],
      ['\u2028', -0],
      ['', [undefined]],
    ] as [string, unknown][]) {
      expect(`{${canonicalMember(key, value)}}`).toBe(canonicalize({ [key]: value }));
    }
  });
});
