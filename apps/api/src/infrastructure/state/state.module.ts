import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import type { ApiConfig } from '../api-config';
import { API_CONFIG } from '../api-config.provider';
import type { ApiStateStore } from './api-state.port';
import { leaveCheckpointsToTheStore, openApiState } from './open-api-state';

/** The API's own state beside the log: keys, idempotency records, read models (see openApiState). */
export const API_STATE = Symbol('API_STATE');

@Injectable()
class ApiStateCloser implements OnApplicationShutdown {
  constructor(@Inject(API_STATE) private readonly state: ApiStateStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.state.close();
  }
}

@Global()
@Module({
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
    ApiStateCloser,
  ],
  exports: [API_STATE],
})
export class StateModule {}
