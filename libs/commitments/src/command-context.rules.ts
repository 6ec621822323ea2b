import type { AgreementContext } from './agreement.context';
import type { CommandContext } from './command.types';
import { IllegalTransitionError, RuleViolatedError } from './domain.errors';
import { isIsoInstant } from './value.guards';

/** Every decision compares dates against `now`, so it must be a UTC instant. */
export function requireUtcNow(context: CommandContext): void {
  if (!isIsoInstant(context.now)) {
    throw new RuleViolatedError('now-is-utc-instant', `Command time ${String(context.now)} is not an ISO UTC instant`);
  }
}

/** The command is allowed only in these states: else ILLEGAL_TRANSITION naming the state and the command. */
export function requireStatus<S extends string>(
  state: { readonly status: S },
  allowed: readonly S[],
  command: string,
): void {
  if (!allowed.includes(state.status)) throw new IllegalTransitionError(state.status, command);
}

/** The agreement context the handler read must be the one of the aggregate's agreement. */
export function requireAgreement(agreement: AgreementContext | undefined, agreementId: string): asserts agreement {
  if (agreement === undefined || agreement.agreementId !== agreementId) {
    throw new RuleViolatedError(
      'agreement-context-matches',
      `The command must carry the context of agreement ${agreementId}, not ${String(agreement?.agreementId)}`,
    );
  }
}
