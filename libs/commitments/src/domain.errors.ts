/** Stable, machine-readable codes, for the HTTP layer to map to statuses. */
export type DomainErrorCode = 'ILLEGAL_TRANSITION' | 'RULE_VIOLATED' | 'FORBIDDEN' | 'NOT_FOUND';

/** Base of every error a decider raises on purpose. */
export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
}

/** The command is not allowed in the state the aggregate is in (e.g. ApproveCommitment while proposed). */
export class IllegalTransitionError extends DomainError {
  readonly code = 'ILLEGAL_TRANSITION';
  constructor(
    readonly state: string,
    readonly command: string,
  ) {
    super(`${command} is not allowed in state ${state}`);
    this.name = 'IllegalTransitionError';
  }
}

/** The state allows the command but its content breaks a business rule; `rule` is a stable kebab-case name. */
export class RuleViolatedError extends DomainError {
  readonly code = 'RULE_VIOLATED';
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
    this.name = 'RuleViolatedError';
  }
}

/** The actor may not send this command, or not for this aggregate (another party's commitment). */
export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
  constructor(
    readonly command: string,
    message: string,
  ) {
    super(message);
    this.name = 'ForbiddenError';
  }
}

/** The command addresses an aggregate that has no history yet. */
export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
  constructor(
    readonly entity: 'agreement' | 'commitment' | 'session',
    readonly id: string,
    readonly command?: string,
  ) {
    super(`${entity} ${id} does not exist`);
    this.name = 'NotFoundError';
  }
}
