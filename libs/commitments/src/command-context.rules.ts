import type { CommandContext } from './command.types';
import { RuleViolatedError } from './domain.errors';
import { isIsoInstant } from './value.guards';

/** Every decision compares dates against `now`, so it must be a UTC instant. */
export function requireUtcNow(context: CommandContext): void {
  if (!isIsoInstant(context.now)) {
    throw new RuleViolatedError('now-is-utc-instant', `Command time ${String(context.now)} is not an ISO UTC instant`);
  }
}
