import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { API_STATE } from '../infrastructure/state/state.module';
import { CommandGateway, IDEMPOTENCY } from './command-gateway';
import { idempotencyProvider } from './idempotency.provider';
import { STREAM_CACHE, StreamStateCache } from './stream-state-cache';

/**
 * The command pipeline every aggregate's commands take: the gateway (idempotency, replies),
 * the runner (read, decide, append with a retry on conflict) and the cache of stream states.
 * Each feature module imports it and registers its own handler.
 */
@Module({
  imports: [CqrsModule],
  providers: [
    CommandGateway,
    idempotencyProvider(IDEMPOTENCY, API_STATE),
    { provide: STREAM_CACHE, useFactory: () => new StreamStateCache() },
  ],
  exports: [CommandGateway, STREAM_CACHE],
})
export class PipelineModule {}
