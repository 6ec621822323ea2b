import { Module } from '@nestjs/common';
import { WorkersModule } from '../workers/workers.module';
import { LogCheckpointer } from './log-checkpointer';
import { LogController } from './log.controller';
import { LogService } from './log.service';

/** The transparency log over the event log: checkpoints, cosignatures, proofs (issue 16). */
@Module({
  imports: [WorkersModule],
  controllers: [LogController],
  providers: [LogService, LogCheckpointer],
  exports: [LogService],
})
export class LogModule {}
