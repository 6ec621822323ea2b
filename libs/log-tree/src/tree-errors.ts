/**
 * Why a bundle or a proof cannot be made from this database: the CLI says the sentence and
 * exits 2, as for any request it cannot serve.
 *
 * - `NO_CHECKPOINT`: no checkpoint of that size (or none at all) was signed;
 * - `TREE_BEHIND`: the tree has not grown to the size asked for;
 * - `UNKNOWN_EVENT`: no leaf holds that event;
 * - `NOT_IN_CHECKPOINT`: the event came after the checkpoint asked for;
 * - `BAD_SIZE`: sizes that cannot be proven (0, or from larger than to).
 */
export type LogTreeErrorCode = 'NO_CHECKPOINT' | 'TREE_BEHIND' | 'UNKNOWN_EVENT' | 'NOT_IN_CHECKPOINT' | 'BAD_SIZE';

export class LogTreeError extends Error {
  constructor(
    readonly code: LogTreeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LogTreeError';
  }
}

/** The sentence for a tree that has not grown to `wanted` leaves yet. */
export function treeBehind(size: number, wanted: number): LogTreeError {
  return new LogTreeError(
    'TREE_BEHIND',
    `the log tree holds ${size} ${size === 1 ? 'leaf' : 'leaves'}, fewer than the ${wanted} asked for: ` +
      'the API grows it as events commit (its workers must be on); `accord projections rebuild log-tree` builds it from the log',
  );
}
