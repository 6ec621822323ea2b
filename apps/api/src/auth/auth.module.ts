import { Global, Inject, Injectable, Logger, Module, OnApplicationBootstrap } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { ApiConfig } from '../infrastructure/api-config';
import { API_CONFIG } from '../infrastructure/api-config.provider';
import type { ApiStateStore } from '../infrastructure/state/api-state.port';
import { API_STATE } from '../infrastructure/state/state.module';
import { ApiKeys } from './api-keys.service';
import { AuthGuard } from './auth.guard';
import { WhoAmIController } from './whoami.controller';

@Injectable()
class AdminKeyBootstrap implements OnApplicationBootstrap {
  constructor(
    @Inject(ApiKeys) private readonly keys: ApiKeys,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
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
}

@Global()
@Module({
  controllers: [WhoAmIController],
  providers: [
    {
      provide: ApiKeys,
      inject: [API_STATE],
      useFactory: (state: ApiStateStore) =>
        new ApiKeys(state, {
          onTouchError: (error) => new Logger('Auth').warn(`could not record a key's last use: ${String(error)}`),
        }),
    },
    { provide: APP_GUARD, useClass: AuthGuard },
    AdminKeyBootstrap,
  ],
  exports: [ApiKeys],
})
export class AuthModule {}
