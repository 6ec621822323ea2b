import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { PipelineModule } from '../pipeline/pipeline.module';
import { WorkersModule } from '../workers/workers.module';
import { AgreementCommandHandler } from './agreement.handler';
import { AgreementsController } from './agreements.controller';
import { DashboardController } from './dashboard.controller';
import { GetDashboardHandler } from './dashboard.queries';

/** Agreements: creating one, adding domains, and its dashboard. */
@Module({
  imports: [CqrsModule, PipelineModule, WorkersModule],
  controllers: [AgreementsController, DashboardController],
  providers: [AgreementCommandHandler, GetDashboardHandler],
})
export class AgreementsModule {}
