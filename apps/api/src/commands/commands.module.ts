import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AgreementsController } from '../agreements/agreements.controller';
import { CommitmentsController } from '../commitments/commitments.controller';
import { AgreementCommandHandler } from './agreement.handler';
import { CommandGateway } from './command-gateway';
import { CommitmentCommandHandler } from './commitment.handler';

@Module({
  imports: [CqrsModule],
  controllers: [AgreementsController, CommitmentsController],
  providers: [CommandGateway, AgreementCommandHandler, CommitmentCommandHandler],
  exports: [CommandGateway],
})
export class CommandsModule {}
