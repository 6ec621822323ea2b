import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { LoggerModule } from 'nestjs-pino';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CommandsModule } from './commands/commands.module';
import type { ApiConfig } from './config/api-config';
import { ApiConfigModule } from './config/api-config.provider';
import { CLOCK, systemClock, type Clock } from './committee/clock';
import { WorkersModule } from './committee/workers.module';
import { QueriesModule } from './queries/queries.module';
import { EventStoreModule } from './event-store/event-store.module';
import { HealthModule } from './health/health.module';
import { ProblemDetailsFilter } from './http/problem-details.filter';
import { createValidationPipe } from './http/validation.pipe';
import { SessionsModule } from './sessions/sessions.module';

export interface AppOverrides {
  /** Tests move time by hand. */
  readonly clock?: Clock;
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
          },
        }),
        CqrsModule.forRoot(),
        EventStoreModule,
        AuthModule,
        HealthModule,
        CommandsModule,
        SessionsModule,
        WorkersModule,
        QueriesModule,
        AuditModule,
      ],
      providers: [
        { provide: CLOCK, useValue: overrides.clock ?? systemClock },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
      exports: [CLOCK],
    };
  }
}
