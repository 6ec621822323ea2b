import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresDb, type SqlDb } from '@accord/sql';
import { parseStoreUrl, postgresTarget, StoreUrlError, type StoreLocation } from '@accord/store-factory';
import type { EvidenceStore } from './evidence-store.port';
import { FileEvidenceStore } from './file-evidence-store';
import { PostgresEvidenceStore } from './postgres-evidence-store';

/** The folder of a SQLite store's evidence: beside the database file, named after it. */
export const evidenceFolderOf = (databaseFile: string): string => `${databaseFile}.evidence`;

/**
 * The evidence store beside an event store (as the API's own tables are, openSideDb): a folder
 * next to a SQLite file, the `evidence` table of a PostgreSQL database, a temporary folder for
 * `memory:`, and for KurrentDB wherever ACCORD_READ_MODEL points. `postgresDb`, when given, is
 * the connection to that PostgreSQL database to share; else one is opened (and closed with it).
 */
export function openEvidenceStore(storeUrl: string, readModelUrl?: string, postgresDb?: SqlDb): EvidenceStore {
  let location: StoreLocation = parseStoreUrl(storeUrl);
  if (location.kind === 'kurrentdb') {
    if (!readModelUrl) throw new StoreUrlError('A KurrentDB store keeps its evidence beside ACCORD_READ_MODEL');
    location = parseStoreUrl(readModelUrl);
  }
  switch (location.kind) {
    case 'sqlite':
      return location.filename === ':memory:'
        ? ephemeral()
        : new FileEvidenceStore(evidenceFolderOf(location.filename));
    case 'memory':
      return ephemeral();
    case 'postgres': {
      if (postgresDb?.dialect === 'postgres') return new PostgresEvidenceStore(postgresDb);
      const target = postgresTarget(location.url);
      return new PostgresEvidenceStore(new PostgresDb(target.url, { schema: target.schema, max: 2 }), true);
    }
    case 'kurrentdb':
      throw new StoreUrlError('ACCORD_READ_MODEL must be SQLite or PostgreSQL');
  }
}

const ephemeral = () => new FileEvidenceStore(mkdtempSync(join(tmpdir(), 'accord-evidence-')), true);
