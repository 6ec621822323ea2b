import { sessionDecider, sessionStreamId, type Session, type SessionCommand } from '@accord/committee';
import type { EventStore } from '@accord/event-store';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EVENT_STORE } from '../infrastructure/event-store.module';
import { readAgreementContext } from '../agreements/agreement-context';
import { CommandOutcome, runCommand } from '../pipeline/command-runner';
import { STREAM_CACHE, StreamStateCache } from '../pipeline/stream-state-cache';
import { readCommitmentContext } from './commitment-context';
import { SessionCommandInput, SessionCommandMessage } from './session.command';

@CommandHandler(SessionCommandMessage)
export class SessionCommandHandler implements ICommandHandler<SessionCommandMessage, CommandOutcome> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(STREAM_CACHE) private readonly cache: StreamStateCache,
  ) {}

  execute({ command, meta }: SessionCommandMessage): Promise<CommandOutcome> {
    return runCommand(
      this.store,
      this.cache,
      sessionStreamId(command.data.sessionId),
      sessionDecider,
      (state) => this.withContext(command, state),
      meta,
    );
  }

  /**
   * Scheduling reads the agreement, an agenda item the commitment, so that the decider stays pure.
   * Only when the session's state lets the decider look at them: the first thing to refuse is a
   * session that is missing (or already scheduled), not what the command refers to.
   */
  private async withContext(command: SessionCommandInput, state: Session): Promise<SessionCommand> {
    if (command.type === 'ScheduleSession') {
      if (state.status !== 'none') return command as SessionCommand;
      const { agreementId } = command.data;
      const agreement = await readAgreementContext(this.store, agreementId);
      return { ...command, data: { ...command.data, agreement } };
    }
    if (command.type === 'AddAgendaItem') {
      if (state.status === 'none') return command as SessionCommand;
      const { commitmentId } = command.data;
      const commitment = await readCommitmentContext(this.store, commitmentId);
      return { ...command, data: { ...command.data, commitment } };
    }
    return command;
  }
}
