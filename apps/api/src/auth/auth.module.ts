import {
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { ApiConfig } from '../config/api-config';
import { API_CONFIG } from '../config/api-config.provider';
import { AdminKeysController } from '../admin/admin-keys.controller';
import { IDEMPOTENCY } from '../commands/command-gateway';
import { idempotencyProvider } from '../idempotency/idempotency.provider';
import type { ApiStateStore } from '../state/api-state.port';
import { leaveCheckpointsToTheStore, openApiState } from '../state/open-api-state';
import { ApiKeys } from './api-keys.service';
import { AuthGuard } from './auth.guard';

export const API_STATE = Symbol('API_STATE');

@Injectable()
class AdminKeyBootstrap implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(ApiKeys) private readonly keys: ApiKeys,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(API_STATE) private readonly state: ApiStateStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { generatedKey, warning } = await this.keys.ensureAdmin(this.config.adminKey);
    if (warning) new Logger('Auth').warn(warning);
    if (generatedKey) {
      // Printed once, on the first start; only its hash is kept.
      process.stdout.write(
        `\naccord: no ACCORD_ADMIN_KEY was set, so an admin key was generated. It is shown this once:\n\n  ${generatedKey}\n\n`,
      );
      new Logger('Auth').warn('generated an admin key (printed once on stdout)');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.state.close();
  }
}

@Global()
@Module({
  controllers: [AdminKeysController],
  providers: [
    {
      provide: API_STATE,
      inject: [API_CONFIG],
      useFactory: (config: ApiConfig) => {
        const state = openApiState(config.storeUrl, config.readModelUrl);
        leaveCheckpointsToTheStore(state.db, config.storeUrl);
        return state;
      },
    },
    {
      provide: ApiKeys,
      inject: [API_STATE],
      useFactory: (state: ApiStateStore) =>
        new ApiKeys(state, {
          onTouchError: (error) => new Logger('Auth').warn(`could not record a key's last use: ${String(error)}`),
        }),
    },
    idempotencyProvider(IDEMPOTENCY, API_STATE),
    { provide: APP_GUARD, useClass: AuthGuard },
    AdminKeyBootstrap,
  ],
  exports: [ApiKeys, IDEMPOTENCY, API_STATE],
})
export class AuthModule {}
