import { commitmentDecider, commitmentStreamId, CommitmentCommand, type Commitment } from '@accord/commitments';
import type { EventStore } from '@accord/event-store';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EVENT_STORE } from '../infrastructure/event-store.module';
import { readAgreementContext } from '../agreements/agreement-context';
import { CommandOutcome, runCommand } from '../pipeline/command-runner';
import { STREAM_CACHE, StreamStateCache } from '../pipeline/stream-state-cache';
import { CommitmentCommandMessage } from './commitment.command';

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
      commitmentStreamId(command.data.commitmentId),
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
    const agreement = await readAgreementContext(this.store, agreementId);
    return { ...command, data: { ...command.data, agreement } } as CommitmentCommand;
  }
}
