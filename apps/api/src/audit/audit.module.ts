import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuditController } from './audit.controller';
import { GetDashboardAsOfHandler } from './dashboard-as-of';
import { DigestService } from './digest.service';

/** The auditor's reads: the digest, time travel and the raw events (issue 7). */
@Module({
  imports: [CqrsModule],
  controllers: [AuditController],
  providers: [DigestService, GetDashboardAsOfHandler],
})
export class AuditModule {}
