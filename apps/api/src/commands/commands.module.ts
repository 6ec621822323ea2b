import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AgreementsController } from '../agreements/agreements.controller';
import { CommitmentsController } from '../commitments/commitments.controller';
import { AgreementCommandHandler } from './agreement.handler';
import { CommandGateway } from './command-gateway';
import { CommitmentCommandHandler } from './commitment.handler';
import { STREAM_CACHE, StreamStateCache } from './stream-state-cache';

@Module({
  imports: [CqrsModule],
  controllers: [AgreementsController, CommitmentsController],
  providers: [
    CommandGateway,
    AgreementCommandHandler,
    CommitmentCommandHandler,
    { provide: STREAM_CACHE, useFactory: () => new StreamStateCache() },
  ],
  exports: [CommandGateway, STREAM_CACHE],
})
export class CommandsModule {}
