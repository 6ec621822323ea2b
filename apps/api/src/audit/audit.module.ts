import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuditController } from './audit.controller';
import { GetDashboardAsOfHandler } from './dashboard-as-of';
import { DigestService } from './digest.service';
import { SessionAgreementAuditController } from './session-agreement-audit.controller';
import { TimeTravel } from './time-travel';
import { WorkersModule } from '../workers/workers.module';

/** The auditor's reads: the digest, time travel and the raw events (issue 7; sessions and agreements, issue 15). */
@Module({
  imports: [CqrsModule, WorkersModule],
  controllers: [AuditController, SessionAgreementAuditController],
  providers: [DigestService, GetDashboardAsOfHandler, TimeTravel],
})
export class AuditModule {}
