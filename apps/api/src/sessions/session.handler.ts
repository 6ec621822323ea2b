import { sessionDecider, sessionStreamId, type Session, type SessionCommand } from '@accord/committee';
import { documentHashes, readMinutesSources } from '@accord/documents';
import type { EventStore } from '@accord/event-store';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EVIDENCE_STORE, type EvidenceStore } from '../evidence/evidence-store.port';
import { ProblemException } from '../http/problem';
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
    @Inject(EVIDENCE_STORE) private readonly evidence: EvidenceStore,
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
   * Scheduling reads the agreement, an agenda item the commitment, an approval the minutes' hashes,
   * so that the decider stays pure.
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
    if (command.type === 'ApproveMinutes') {
      // The hashes of the minutes and addenda as the log has them: approving names one of them.
      const sources = state.status === 'closed' ? await readMinutesSources(this.store, command.data.sessionId) : null;
      const hashes = sources === null ? { minutes: '', addenda: [] } : documentHashes(sources);
      // The stream may already hold an addendum the folded state has not seen: that append will
      // conflict and be retried; the decider sees the documents its state knows.
      const known = state.status === 'closed' ? state.documents.length - 1 : 0;
      const documents = { minutes: hashes.minutes, addenda: hashes.addenda.slice(0, known) };
      return { ...command, data: { ...command.data, documents } };
    }
    if (command.type === 'AttachSessionDocument') {
      if (state.status === 'none') return { ...command, data: { ...command.data, size: 0, mediaType: '' } };
      // The file must be stored first (POST /evidence): the event names bytes that exist.
      const file = await this.evidence.find(command.data.sha256);
      if (!file) {
        throw new ProblemException(
          422,
          'EVIDENCE_NOT_FOUND',
          `No evidence file is stored as ${command.data.sha256}: upload it with POST /evidence first`,
          { sha256: command.data.sha256 },
        );
      }
      return { ...command, data: { ...command.data, size: file.size, mediaType: file.mediaType } };
    }
    return command;
  }
}
