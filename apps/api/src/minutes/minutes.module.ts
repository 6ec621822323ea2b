import { Module } from '@nestjs/common';
import { MinutesController } from './minutes.controller';
import { MinutesService } from './minutes.service';

/** The minutes of the committee's sessions, drawn from the log; approvals go through the sessions' routes. */
@Module({ controllers: [MinutesController], providers: [MinutesService], exports: [MinutesService] })
export class MinutesModule {}
