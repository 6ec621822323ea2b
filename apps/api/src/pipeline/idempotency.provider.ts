import { OnApplicationShutdown, type FactoryProvider } from '@nestjs/common';
import type { ApiConfig } from '../infrastructure/api-config';
import { API_CONFIG } from '../infrastructure/api-config.provider';
import type { SqlApiState } from '../infrastructure/state/sql-api-state';
import { openIdempotencyDb } from '../infrastructure/state/open-api-state';
import { IdempotencyClaims } from './idempotency-claims';
import { Idempotency } from './idempotency.service';

/** Closes the claims' own connection (when it has one) with the application. */
class ClosingIdempotency extends Idempotency implements OnApplicationShutdown {
  constructor(
    private readonly store: IdempotencyClaims,
    private readonly owned: boolean,
    leaseMs: number,
  ) {
    super(store, { leaseMs });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.owned) await this.store.close();
  }
}

/** The Idempotency service, on the connection openIdempotencyDb picks beside `state`. */
export function idempotencyProvider(token: symbol, stateToken: symbol): FactoryProvider<Idempotency> {
  return {
    provide: token,
    inject: [API_CONFIG, stateToken],
    useFactory: (config: ApiConfig, state: SqlApiState) => {
      const db = openIdempotencyDb(config.storeUrl, config.readModelUrl, state.db);
      return new ClosingIdempotency(new IdempotencyClaims(db), db !== state.db, config.idempotencyLeaseMs);
    },
  };
}
