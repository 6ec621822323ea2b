import { Module } from '@nestjs/common';

/** The results report of an agreement for a period: JSON, CSV (open data), HTML and PDF. */
@Module({ controllers: [], providers: [], exports: [] })
export class ReportsModule {}
