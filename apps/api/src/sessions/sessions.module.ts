import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CommandsModule } from '../commands/commands.module';
import { SessionCommandHandler } from '../commands/session.handler';
import { SessionsController } from './sessions.controller';

/** The committee's sessions over HTTP; the command path is the one commitments take. */
@Module({
  imports: [CqrsModule, CommandsModule],
  controllers: [SessionsController],
  providers: [SessionCommandHandler],
})
export class SessionsModule {}
