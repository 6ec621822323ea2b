import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { LoggerModule } from 'nestjs-pino';
import { AdminModule } from './admin/admin.module';
import { AgreementsModule } from './agreements/agreements.module';
import { AuditModule } from './audit/audit.module';
import { LogModule } from './audit/log.module';
import { LiveModule } from './live/live.module';
import { MinutesModule } from './minutes/minutes.module';
import { MetricsModule } from './observability/metrics.module';
import { AuthModule } from './auth/auth.module';
import { CommitmentsModule } from './commitments/commitments.module';
import { DocumentsModule } from './documents/documents.module';
import { EvidenceModule } from './evidence/evidence.module';
import { ProblemDetailsFilter } from './http/problem-details.filter';
import { createValidationPipe } from './http/validation.pipe';
import type { ApiConfig } from './infrastructure/api-config';
import { ApiConfigModule } from './infrastructure/api-config.provider';
import { CLOCK, systemClock, type Clock } from './infrastructure/clock';
import { EventStoreModule } from './infrastructure/event-store.module';
import { HealthModule } from './infrastructure/health/health.module';
import { logTransport } from './infrastructure/log-format';
import { StateModule } from './infrastructure/state/state.module';
import { PipelineModule } from './pipeline/pipeline.module';
import { ReportsModule } from './reports/reports.module';
import { SessionsModule } from './sessions/sessions.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { WorkersModule } from './workers/workers.module';
import { PROJECTION_SET } from './workers/workers.tokens';
import type { Projection } from '@accord/projection-runner';

export interface AppOverrides {
  /** Tests move time by hand. */
  readonly clock?: Clock;
  /** The projections the workers run (all read models and the log tree by default); the bench measures the tree's cost by leaving it out. */
  readonly projections?: readonly Projection[];
}

@Global()
@Module({})
export class AppModule {
  static forRoot(config: ApiConfig, overrides: AppOverrides = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ApiConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            // Health probes every few seconds would drown the log.
            autoLogging: { ignore: (req) => req.url === '/health' },
            redact: ['req.headers.authorization'],
            transport: logTransport(process.stdout),
          },
        }),
        CqrsModule.forRoot(),
        // Prometheus metrics every module may add to (observability/), global.
        MetricsModule,
        // Infrastructure: the store, the API's state, health.
        EventStoreModule,
        StateModule,
        AuthModule,
        HealthModule,
        // The command pipeline and the workers every feature uses.
        PipelineModule,
        WorkersModule,
        // Features, one folder each.
        AgreementsModule,
        CommitmentsModule,
        SessionsModule,
        AuditModule,
        LogModule,
        AdminModule,
        // The committee's documents: evidence files, the minutes, the results report.
        DocumentsModule,
        EvidenceModule,
        MinutesModule,
        ReportsModule,
        // The live feed of the log (GET /events/stream).
        LiveModule,
        // Integrations that are told: webhook subscriptions.
        WebhooksModule,
      ],
      providers: [
        { provide: CLOCK, useValue: overrides.clock ?? systemClock },
        ...(overrides.projections ? [{ provide: PROJECTION_SET, useValue: overrides.projections }] : []),
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
      exports: [CLOCK, ...(overrides.projections ? [PROJECTION_SET] : [])],
    };
  }
}
