import { Module } from '@nestjs/common';
import { MinutesModule } from '../minutes/minutes.module';
import { WorkersModule } from '../workers/workers.module';
import { OpenDataBuilder } from './open-data';
import { ReportsController } from './reports.controller';
import { ResultsReportReader } from './results-report.reader';

/** The results report of an agreement for a period (JSON, CSV, HTML, PDF), and its open-data archive. */
@Module({
  imports: [WorkersModule, MinutesModule],
  controllers: [ReportsController],
  providers: [ResultsReportReader, OpenDataBuilder],
})
export class ReportsModule {}
