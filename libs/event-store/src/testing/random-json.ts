// Test support: random JSON for the canonical-JSON and event-hash specs (a seed replays a failure).

/** A small deterministic PRNG (mulberry32), so a failure can be replayed from its seed. */
export function prng(seed: number): () => number {
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

/** Random JSON values, texts and numbers from a seed, with the odd characters and keys canonical JSON must get right. */
export function generator(seed: number) {
  const next = prng(seed);
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
