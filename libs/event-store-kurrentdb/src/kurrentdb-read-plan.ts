import type { ReadAllOptions, ReadStreamOptions } from '@accord/event-store';

/**
 * What to ask KurrentDB for so that a read returns exactly what the reference store's
 * readStreamSlice / readAll would, including its treatment of odd options (fractional,
 * negative, infinite or NaN counts and revisions), which follows Array.prototype.slice.
 */
export type StreamReadPlan =
  | { readonly kind: 'empty' }
  /** Reading backwards from a given revision needs the stream's last revision first. */
  | { readonly kind: 'needs-last-revision' }
  | {
      readonly kind: 'read';
      readonly direction: 'forwards' | 'backwards';
      /** A revision, or `end` for the last one. */
      readonly from: number | 'end';
      /** Undefined: no limit. */
      readonly maxCount: number | undefined;
    };

/** ToIntegerOrInfinity, as Array.prototype.slice applies it to its arguments. */
function toInteger(value: number): number {
  return Number.isNaN(value) ? 0 : Math.trunc(value);
}

/** `lastRevision` is the stream's last revision, or -1 for an empty stream, when known. */
export function planStreamRead(options: ReadStreamOptions, lastRevision?: number): StreamReadPlan {
  const maxCount = options.maxCount ?? Infinity;
  if (maxCount <= 0 || lastRevision === -1) return { kind: 'empty' };

  if (options.direction === 'backwards') {
    if (options.fromRevision === undefined) {
      // slice(last - maxCount + 1, last + 1): ceil(maxCount) events, or all of them.
      const count = Number.isNaN(maxCount) || maxCount === Infinity ? undefined : Math.ceil(maxCount);
      return { kind: 'read', direction: 'backwards', from: 'end', maxCount: count };
    }
    if (lastRevision === undefined) return { kind: 'needs-last-revision' };
    const from = Math.min(options.fromRevision, lastRevision);
    if (from < 0) return { kind: 'empty' };
    const low = toInteger(Math.max(0, from - maxCount + 1));
    const high = toInteger(from + 1); // exclusive
    if (high <= low) return { kind: 'empty' };
    return { kind: 'read', direction: 'backwards', from: high - 1, maxCount: high - low };
  }

  const from = Math.max(0, options.fromRevision ?? 0);
  if (from === Infinity) return { kind: 'empty' };
  const start = toInteger(from);
  const end = from + maxCount;
  if (end === Infinity) return { kind: 'read', direction: 'forwards', from: start, maxCount: undefined };
  const count = toInteger(end) - start;
  return count > 0 ? { kind: 'read', direction: 'forwards', from: start, maxCount: count } : { kind: 'empty' };
}

export type LogReadPlan =
  | { readonly kind: 'empty' }
  | {
      readonly kind: 'read';
      /** Exclusive: only events with a position greater than this. */
      readonly after: number;
      /** Undefined: no limit. */
      readonly maxCount: number | undefined;
    };

/** A page of the global log, as the reference store's slice(after, after + maxCount) would cut it. */
export function planLogRead(options: ReadAllOptions): LogReadPlan {
  const after = Math.max(0, Math.floor(options.after ?? 0));
  const maxCount = options.maxCount ?? 1000;
  if (Number.isNaN(after) || after === Infinity) return { kind: 'empty' };
  if (after + maxCount === Infinity) return { kind: 'read', after, maxCount: undefined };
  const count = toInteger(after + maxCount) - after;
  return count > 0 ? { kind: 'read', after, maxCount: count } : { kind: 'empty' };
}
