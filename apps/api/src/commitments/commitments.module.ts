import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { PipelineModule } from '../pipeline/pipeline.module';
import { WorkersModule } from '../workers/workers.module';
import { CommitmentCommandHandler } from './commitment.handler';
import { GetCommitmentHandler, GetCommitmentHistoryHandler, ListCommitmentsHandler } from './commitment.queries';
import { CommitmentsController } from './commitments.controller';
import { CommitmentReadsController } from './commitment-reads.controller';

/** Commitments: their commands, and the reads of the commitments read model. */
@Module({
  imports: [CqrsModule, PipelineModule, WorkersModule],
  controllers: [CommitmentsController, CommitmentReadsController],
  providers: [CommitmentCommandHandler, ListCommitmentsHandler, GetCommitmentHandler, GetCommitmentHistoryHandler],
})
export class CommitmentsModule {}
