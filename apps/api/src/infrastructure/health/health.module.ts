import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { WorkersModule } from '../../workers/workers.module';
import { EventStoreHealthIndicator } from './event-store.health';
import { HealthController } from './health.controller';
import { ReadModelsHealthIndicator } from './read-models.health';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), WorkersModule],
  controllers: [HealthController],
  providers: [EventStoreHealthIndicator, ReadModelsHealthIndicator],
})
export class HealthModule {}
