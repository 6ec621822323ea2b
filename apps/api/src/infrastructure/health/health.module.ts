import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { IntegrityModule } from '../../audit/integrity-monitor';
import { WorkersModule } from '../../workers/workers.module';
import { EventStoreHealthIndicator } from './event-store.health';
import { HealthController } from './health.controller';
import { IntegrityHealthIndicator } from './integrity.health';
import { ReadModelsHealthIndicator } from './read-models.health';

/** The health check; it brings in the integrity monitor (global: the audit reads record into it). */
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), WorkersModule, IntegrityModule],
  controllers: [HealthController],
  providers: [EventStoreHealthIndicator, ReadModelsHealthIndicator, IntegrityHealthIndicator],
})
export class HealthModule {}
