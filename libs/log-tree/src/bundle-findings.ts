import type { BrokenLinkProblem } from '@accord/audit';

/**
 * What verify-bundle can find wrong: the chain problems `accord audit verify` reports, and
 * those of the bundle as a file and as a tree.
 *
 * - `malformed-line`: a line that is not an event line of the format;
 * - `leaf-mismatch`: an event whose leaf is not the one the operator's tree keeps for it;
 * - `root-mismatch`: the events do not give the checkpoint's root;
 * - `size-mismatch`: the bundle does not hold as many events as its checkpoint's tree.
 */
export type BundleProblem = BrokenLinkProblem | 'malformed-line' | 'leaf-mismatch' | 'root-mismatch' | 'size-mismatch';

/** A broken link, and where it is: the bundle's line (the header is line 1) and the event. */
export interface BundleBrokenLink {
  readonly problem: BundleProblem;
  /** Null when the problem is the bundle's as a whole (its size, its root). */
  readonly line: number | null;
  readonly streamId: string | null;
  readonly revision: number | null;
  readonly position: number | null;
  readonly expected: string | number | null;
  readonly found: string | number | null;
  /** One sentence for a person. */
  readonly detail: string;
}
