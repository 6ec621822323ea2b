import { commitmentDecider, commitmentStreamId, CommitmentCommand, type Commitment } from '@accord/commitments';
import type { EventStore } from '@accord/event-store';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EVENT_STORE } from '../infrastructure/event-store.module';
import { EVIDENCE_STORE, type EvidenceStore } from '../evidence/evidence-store.port';
import { ProblemException } from '../http/problem';
import { readAgreementContext } from '../agreements/agreement-context';
import { CommandOutcome, runCommand } from '../pipeline/command-runner';
import { STREAM_CACHE, StreamStateCache } from '../pipeline/stream-state-cache';
import { CommitmentCommandMessage } from './commitment.command';

@CommandHandler(CommitmentCommandMessage)
export class CommitmentCommandHandler implements ICommandHandler<CommitmentCommandMessage, CommandOutcome> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(STREAM_CACHE) private readonly cache: StreamStateCache,
    @Inject(EVIDENCE_STORE) private readonly evidence: EvidenceStore,
  ) {}

  execute({ command, meta }: CommitmentCommandMessage): Promise<CommandOutcome> {
    return runCommand(
      this.store,
      this.cache,
      commitmentStreamId(command.data.commitmentId),
      commitmentDecider,
      async (state) => this.withAgreement(await this.withStoredEvidence(command), state),
      meta,
    );
  }

  /**
   * Evidence that names a stored file (its `sha256`) must be in the evidence store, and the
   * event records its size: 422 EVIDENCE_NOT_FOUND otherwise, before anything is decided.
   */
  private async withStoredEvidence(
    command: CommitmentCommandMessage['command'],
  ): Promise<CommitmentCommandMessage['command']> {
    if (command.type !== 'ReportProgress' && command.type !== 'CompleteCommitment') return command;
    const listed = command.data.evidence;
    if (!Array.isArray(listed) || !listed.some((item) => typeof item?.sha256 === 'string')) return command;
    const evidence = await Promise.all(
      listed.map(async (item) => {
        if (typeof item?.sha256 !== 'string') return item;
        const file = await this.evidence.find(item.sha256);
        if (!file) {
          throw new ProblemException(
            422,
            'EVIDENCE_NOT_FOUND',
            `No evidence file is stored as ${item.sha256}: upload it with POST /evidence first`,
            { sha256: item.sha256 },
          );
        }
        return { ...item, size: file.size };
      }),
    );
    return { ...command, data: { ...command.data, evidence } } as CommitmentCommandMessage['command'];
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
