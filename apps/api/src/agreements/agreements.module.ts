import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { PipelineModule } from '../pipeline/pipeline.module';
import { WorkersModule } from '../workers/workers.module';
import { AgreementCommandHandler } from './agreement.handler';
import { GetAgreementHandler, ListAgreementsHandler } from './agreement.queries';
import { AgreementReadsController } from './agreement-reads.controller';
import { AgreementsController } from './agreements.controller';
import { DashboardController } from './dashboard.controller';
import { GetDashboardHandler } from './dashboard.queries';
import { GetSessionsCalendarHandler } from './sessions-calendar';

/** Agreements: creating one, adding domains, reading them, their dashboard and their sessions' calendar. */
@Module({
  imports: [CqrsModule, PipelineModule, WorkersModule],
  controllers: [AgreementsController, AgreementReadsController, DashboardController],
  providers: [
    AgreementCommandHandler,
    GetAgreementHandler,
    ListAgreementsHandler,
    GetDashboardHandler,
    GetSessionsCalendarHandler,
  ],
})
export class AgreementsModule {}
