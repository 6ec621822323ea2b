import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import type { ApiConfig } from '../infrastructure/api-config';
import { API_CONFIG } from '../infrastructure/api-config.provider';
import type { SqlApiState } from '../infrastructure/state/sql-api-state';
import { API_STATE } from '../infrastructure/state/state.module';
import { EvidenceController } from './evidence.controller';
import { EVIDENCE_STORE, type EvidenceStore } from './evidence-store.port';
import { openEvidenceStore } from './open-evidence-store';

@Injectable()
class EvidenceStoreCloser implements OnApplicationShutdown {
  constructor(@Inject(EVIDENCE_STORE) private readonly store: EvidenceStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/**
 * Evidence files, content-addressed by SHA-256 and stored beside the event store (decision
 * 0030). Global: the commitments' handler checks that the files its commands name exist.
 */
@Global()
@Module({
  controllers: [EvidenceController],
  providers: [
    {
      provide: EVIDENCE_STORE,
      inject: [API_CONFIG, API_STATE],
      // On PostgreSQL the API's own connection to its database is shared.
      useFactory: (config: ApiConfig, state: SqlApiState) =>
        openEvidenceStore(config.storeUrl, config.readModelUrl, state.db),
    },
    EvidenceStoreCloser,
  ],
  exports: [EVIDENCE_STORE],
})
export class EvidenceModule {}
