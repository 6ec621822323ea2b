import {
  agreementContextOf,
  agreementDecider,
  AgreementEvent,
  commitmentDecider,
  CommitmentCommand,
  fold,
  type Commitment,
} from '@accord/commitments';
import type { EventStore } from '@accord/event-store';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EVENT_STORE } from '../event-store/event-store.module';
import { agreementStream } from './agreement.handler';
import { CommandOutcome, runCommand } from './command-runner';
import { STREAM_CACHE, StreamStateCache } from './stream-state-cache';
import { CommitmentCommandMessage } from './commitment.command';

export const commitmentStream = (id: string): string => `commitment-${id}`;

@CommandHandler(CommitmentCommandMessage)
export class CommitmentCommandHandler implements ICommandHandler<CommitmentCommandMessage, CommandOutcome> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(STREAM_CACHE) private readonly cache: StreamStateCache,
  ) {}

  execute({ command, meta }: CommitmentCommandMessage): Promise<CommandOutcome> {
    return runCommand(
      this.store,
      this.cache,
      commitmentStream(command.data.commitmentId),
      commitmentDecider,
      async (state) => this.withAgreement(command, state),
      meta,
    );
  }

  /** Proposals and revisions are checked against the agreement (its domains and parties). */
  private async withAgreement(
    command: CommitmentCommandMessage['command'],
    state: Commitment,
  ): Promise<CommitmentCommand> {
    if (command.type !== 'ProposeCommitment' && command.type !== 'ReviseCommitment')
      return command as CommitmentCommand;
    const agreementId =
      command.type === 'ProposeCommitment'
        ? command.data.agreementId
        : state.status === 'none'
          ? undefined
          : state.agreementId;
    if (agreementId === undefined)
      return {
        ...command,
        data: { ...command.data, agreement: { agreementId: '', domains: [], parties: [] } },
      } as CommitmentCommand;
    const events = await this.store.readStream(agreementStream(agreementId));
    const agreement = agreementContextOf(fold(agreementDecider, events as unknown as AgreementEvent[]), agreementId);
    return { ...command, data: { ...command.data, agreement } } as CommitmentCommand;
  }
}
