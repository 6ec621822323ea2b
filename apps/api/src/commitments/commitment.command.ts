import type { AgreementContext, CommitmentCommand } from '@accord/commitments';
import { Command } from '@nestjs/cqrs';
import type { CommandMeta, CommandOutcome } from '../pipeline/command-runner';

/** A commitment command before the handler has read its agreement into `data.agreement`. */
export type CommitmentCommandInput = CommitmentCommand extends infer C
  ? C extends { type: infer T; data: infer D; context: infer X }
    ? { type: T; data: D extends { agreement: AgreementContext } ? Omit<D, 'agreement'> : D; context: X }
    : never
  : never;

/** Every commitment command, the committee's internal decisions included, travels in this class. */
export class CommitmentCommandMessage extends Command<CommandOutcome> {
  constructor(
    readonly command: CommitmentCommandInput,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}
