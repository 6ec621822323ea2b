import { agreementDecider, agreementStreamId } from '@accord/commitments';
import type { EventStore } from '@accord/event-store';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EVENT_STORE } from '../infrastructure/event-store.module';
import { AgreementCommandMessage } from './agreement.command';
import { CommandOutcome, runCommand } from '../pipeline/command-runner';
import { STREAM_CACHE, StreamStateCache } from '../pipeline/stream-state-cache';

@CommandHandler(AgreementCommandMessage)
export class AgreementCommandHandler implements ICommandHandler<AgreementCommandMessage, CommandOutcome> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(STREAM_CACHE) private readonly cache: StreamStateCache,
  ) {}

  execute({ command, meta }: AgreementCommandMessage): Promise<CommandOutcome> {
    return runCommand(
      this.store,
      this.cache,
      agreementStreamId(command.data.agreementId),
      agreementDecider,
      () => command,
      meta,
    );
  }
}
