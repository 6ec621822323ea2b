import { toProblemException } from '../http/problem-mapping';
import type { CommandOutcomeLabel } from './metrics';

/**
 * What a command that threw came to, by the problem it is answered with: 409 and 412
 * (another write moved the stream, If-Match did not hold, a creation met other content)
 * are conflicts; other 4xx answers are refusals (a rule, a forbidden party, an illegal
 * transition, validation); anything else failed. `code` is the problem's machine-readable code.
 */
export function commandOutcomeOf(error: unknown): { outcome: CommandOutcomeLabel; code: string } {
  const problem = toProblemException(error);
  if (problem.status === 409 || problem.status === 412) return { outcome: 'conflict', code: problem.code };
  if (problem.status >= 400 && problem.status < 500) return { outcome: 'refused', code: problem.code };
  return { outcome: 'failed', code: problem.code };
}
