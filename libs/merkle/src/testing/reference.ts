/**
 * RFC 9162 §2.1 written as the RFC writes it, recursively over the list of leaf hashes, for
 * the specs to compare the library against. Slow by design (MTH memoised per range, so the
 * property specs stay within seconds); never used outside tests.
 */
import { emptyTreeRoot, nodeHash } from '../hash';

export class ReferenceTree {
  private readonly memo = new Map<string, Uint8Array>();

  /** `leaves` are leaf hashes, leafHash(d(i)). */
  constructor(private readonly leaves: readonly Uint8Array[]) {}

  /** MTH(D[begin:end]). */
  mth(begin: number, end: number): Uint8Array {
    const n = end - begin;
    if (n === 0) return emptyTreeRoot();
    if (n === 1) return this.leaves[begin];
    const key = `${begin}:${end}`;
    let hash = this.memo.get(key);
    if (!hash) {
      const k = largestPowerOfTwoBelow(n);
      hash = nodeHash(this.mth(begin, begin + k), this.mth(begin + k, end));
      this.memo.set(key, hash);
    }
    return hash;
  }

  /** PATH(m, D[n]) for D = the first n leaves. */
  path(m: number, n: number): Uint8Array[] {
    return this.subPath(m, 0, n);
  }

  private subPath(m: number, begin: number, end: number): Uint8Array[] {
    const n = end - begin;
    if (n === 1) return [];
    const k = largestPowerOfTwoBelow(n);
    return m < k
      ? [...this.subPath(m, begin, begin + k), this.mth(begin + k, end)]
      : [...this.subPath(m - k, begin + k, end), this.mth(begin, begin + k)];
  }

  /** PROOF(m, D[n]) = SUBPROOF(m, D[n], true). */
  proof(m: number, n: number): Uint8Array[] {
    return this.subProof(m, 0, n, true);
  }

  private subProof(m: number, begin: number, end: number, b: boolean): Uint8Array[] {
    const n = end - begin;
    if (m === n) return b ? [] : [this.mth(begin, end)];
    const k = largestPowerOfTwoBelow(n);
    return m <= k
      ? [...this.subProof(m, begin, begin + k, b), this.mth(begin + k, end)]
      : [...this.subProof(m - k, begin + k, end, false), this.mth(begin, begin + k)];
  }
}

/** The largest power of two smaller than n (n > 1). */
function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
