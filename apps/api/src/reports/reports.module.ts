import { Module } from '@nestjs/common';
import { WorkersModule } from '../workers/workers.module';
import { ReportsController } from './reports.controller';
import { ResultsReportReader } from './results-report.reader';

/** The results report of an agreement for a period: JSON, CSV (open data), HTML and PDF. */
@Module({ imports: [WorkersModule], controllers: [ReportsController], providers: [ResultsReportReader], exports: [] })
export class ReportsModule {}
