/**
 * Tree-size arithmetic on plain numbers. Sizes and indices go up to 2^53 − 1
 * (Number.MAX_SAFE_INTEGER, the limit the signed-note checkpoints take too, decision 0025),
 * so nothing here uses the 32-bit bitwise operators: halving is Math.floor(x / 2) and a
 * level's width is 2 ** level, both exact below 2^53.
 */

/** The largest tree size (and leaf index + 1) the library takes: 2^53 − 1. */
export const MAX_TREE_SIZE = Number.MAX_SAFE_INTEGER;

/** An integer from 0 to 2^53 − 1: a tree size or a leaf index. */
export function isTreeSize(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** Throws a RangeError unless `n` is an integer from 0 to 2^53 − 1. */
export function checkTreeSize(n: number, what: string): void {
  if (!isTreeSize(n)) throw new RangeError(`${what} must be an integer from 0 to 2^53 − 1, not ${String(n)}`);
}

export function isOdd(n: number): boolean {
  return n % 2 === 1;
}

export function half(n: number): number {
  return Math.floor(n / 2);
}

export function isPowerOfTwo(n: number): boolean {
  if (n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}

/** k, the largest power of two smaller than n (n ≥ 2), where RFC 9162 splits a tree of n leaves. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The levels of n's set bits, highest first: 13 = 0b1101 → [3, 2, 0]. */
export function setBitsHighestFirst(n: number): number[] {
  const levels: number[] = [];
  for (let level = 0; n > 0; level++, n = half(n)) if (isOdd(n)) levels.push(level);
  return levels.reverse();
}

/** How many bits of n are set: the number of hashes in the compact range of a tree of n leaves. */
export function countSetBits(n: number): number {
  let count = 0;
  for (; n > 0; n = half(n)) if (isOdd(n)) count++;
  return count;
}

/** How many low bits of n are zero (n ≥ 1). */
export function trailingZeros(n: number): number {
  let count = 0;
  for (; n % 2 === 0; n /= 2) count++;
  return count;
}
