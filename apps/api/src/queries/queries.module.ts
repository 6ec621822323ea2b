import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { WorkersModule } from '../committee/workers.module';
import { GetCommitmentHandler, GetCommitmentHistoryHandler, ListCommitmentsHandler } from './commitment.queries';
import { ProjectionsController } from './projections.controller';
import { QueriesController } from './queries.controller';
import { ReadModels } from './read-models';
import { GetDashboardHandler, GetSessionHandler } from './session-and-dashboard.queries';

@Module({
  imports: [CqrsModule, WorkersModule],
  controllers: [QueriesController, ProjectionsController],
  providers: [
    ReadModels,
    ListCommitmentsHandler,
    GetCommitmentHandler,
    GetCommitmentHistoryHandler,
    GetSessionHandler,
    GetDashboardHandler,
  ],
})
export class QueriesModule {}
