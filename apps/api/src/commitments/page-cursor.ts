import { createHash } from 'node:crypto';
import { ProblemException } from '../http/problem';

/**
 * The cursors of the paged reads: opaque to clients (base64url of a JSON array), and
 * checked when they come back. A cursor names the list it was issued for (its first
 * element) and what it is bound to: the commitment of a history or an event page, the
 * filters and sort of a list page. Anything else is 400 VALIDATION_FAILED naming `cursor`
 * (decision 0021).
 */
export function encodeCursor(list: string, ...parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify([list, ...parts])).toString('base64url');
}

export function badCursor(message: string, field = 'cursor', detail = 'cursor is not one this API gave'): never {
  throw new ProblemException(400, 'VALIDATION_FAILED', detail, { errors: [{ field, messages: [message] }] });
}

/** The parts of a cursor issued for `list`, after its name; 400 when it is no such cursor. */
export function decodeCursor(cursor: string, list: string): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || value[0] !== list) {
    badCursor('must be the nextCursor of a previous page of this list');
  }
  return value.slice(1);
}

/** A cursor of a stream's pages (history, events): the commitment it was issued for, and a revision. */
export function decodeRevisionCursor(cursor: string, list: string, commitmentId: string): number {
  const [id, revision] = decodeCursor(cursor, list);
  if (typeof id !== 'string' || !Number.isSafeInteger(revision) || (revision as number) < 0) {
    badCursor('must be the nextCursor of a previous page of this list');
  }
  if (id !== commitmentId) badCursor(`was issued for commitment ${id}, not ${commitmentId}`);
  return revision as number;
}

/** A short digest of what a list page was asked for, so that its cursor is refused for another question. */
export function fingerprint(question: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(question)).digest('base64url').slice(0, 22);
}
