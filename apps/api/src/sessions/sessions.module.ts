import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { PipelineModule } from '../pipeline/pipeline.module';
import { WorkersModule } from '../workers/workers.module';
import { SessionCommandHandler } from './session.handler';
import { GetSessionHandler, ListSessionsHandler } from './session.queries';
import { SessionReadsController } from './session-reads.controller';
import { SessionsController } from './sessions.controller';

/** The committee's sessions over HTTP; the command path is the one commitments take. */
@Module({
  imports: [CqrsModule, PipelineModule, WorkersModule],
  controllers: [SessionsController, SessionReadsController],
  providers: [SessionCommandHandler, GetSessionHandler, ListSessionsHandler],
})
export class SessionsModule {}
