import { commitmentContextOf, sessionDecider, type Session, type SessionCommand } from '@accord/committee';
import {
  agreementContextOf,
  agreementDecider,
  commitmentDecider,
  fold,
  type AgreementEvent,
  type CommitmentEvent,
} from '@accord/commitments';
import type { EventStore } from '@accord/event-store';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EVENT_STORE } from '../event-store/event-store.module';
import { agreementStream } from './agreement.handler';
import { CommandOutcome, runCommand } from './command-runner';
import { STREAM_CACHE, StreamStateCache } from './stream-state-cache';
import { commitmentStream } from './commitment.handler';
import { SessionCommandInput, SessionCommandMessage } from './session.command';

export const sessionStream = (id: string): string => `session-${id}`;

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
      sessionStream(command.data.sessionId),
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
      const events = await this.store.readStream(agreementStream(agreementId));
      const agreement = agreementContextOf(fold(agreementDecider, events as unknown as AgreementEvent[]), agreementId);
      return { ...command, data: { ...command.data, agreement } };
    }
    if (command.type === 'AddAgendaItem') {
      if (state.status === 'none') return command as SessionCommand;
      const { commitmentId } = command.data;
      const events = await this.store.readStream(commitmentStream(commitmentId));
      const commitment = commitmentContextOf(
        fold(commitmentDecider, events as unknown as CommitmentEvent[]),
        commitmentId,
      );
      return { ...command, data: { ...command.data, commitment } };
    }
    return command;
  }
}
