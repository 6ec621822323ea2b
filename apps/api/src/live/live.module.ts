import { Module } from '@nestjs/common';
import { EventsStreamController } from './events-stream.controller';
import { LiveFeed } from './live-feed';

/** The live feed of the log (GET /events/stream, decision 0034). */
@Module({
  controllers: [EventsStreamController],
  providers: [LiveFeed],
  exports: [LiveFeed],
})
export class LiveModule {}
