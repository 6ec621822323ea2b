import type { AgreementCommand } from '@accord/commitments';
import { Command } from '@nestjs/cqrs';
import type { CommandMeta, CommandOutcome } from '../pipeline/command-runner';

/** The bus routes by class: one message class carries every agreement command. */
export class AgreementCommandMessage extends Command<CommandOutcome> {
  constructor(
    readonly command: AgreementCommand,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}
