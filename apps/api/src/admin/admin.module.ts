import { Module } from '@nestjs/common';
import { WorkersModule } from '../workers/workers.module';
import { AdminKeysController } from './admin-keys.controller';
import { ProjectionsController } from './projections.controller';

/** What an operator does: API keys, and the read models' status, skips and rebuilds. */
@Module({
  imports: [WorkersModule],
  controllers: [AdminKeysController, ProjectionsController],
})
export class AdminModule {}
